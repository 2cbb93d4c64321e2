// Package graceful stops an HTTP server the way every inferbench command
// that serves does after an interrupt: stop accepting, let what is in
// flight finish for a grace period, less when a second interrupt says
// to cut it short. It imports only the standard library.
package graceful

import (
	"context"
	"net/http"
	"time"
)

// Shutdown stops hs accepting and waits up to grace for what is in
// flight, less when cut closes (a second interrupt). It returns
// hs.Shutdown's error: a context error when requests were still going.
func Shutdown(hs *http.Server, grace time.Duration, cut <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	go func() {
		select {
		case <-cut:
			cancel()
		case <-ctx.Done():
		}
	}()
	return hs.Shutdown(ctx)
}
