package graceful

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"
)

// serving starts a loopback server whose handler blocks until release
// closes, and one request to it; it returns once the request is in flight.
func serving(t *testing.T, release chan struct{}) *http.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	inFlight := make(chan struct{})
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(inFlight)
		<-release
	})}
	go hs.Serve(ln)
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String()); err == nil {
			resp.Body.Close()
		}
	}()
	<-inFlight
	return hs
}

// TestShutdownCut: with a request in flight and a long grace, closing cut
// ends the wait with a context error.
func TestShutdownCut(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	hs := serving(t, release)
	defer hs.Close()
	cut := make(chan struct{})
	close(cut)
	if err := Shutdown(hs, time.Hour, cut); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown = %v, want context.Canceled", err)
	}
}

// TestShutdownDrains: a request that finishes within the grace lets
// Shutdown return nil, and the server accepts nothing after.
func TestShutdownDrains(t *testing.T) {
	release := make(chan struct{})
	hs := serving(t, release)
	close(release)
	if err := Shutdown(hs, time.Minute, nil); err != nil {
		t.Errorf("Shutdown = %v, want nil", err)
	}
	if err := hs.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("after Shutdown, serving = %v, want ErrServerClosed", err)
	}
}
