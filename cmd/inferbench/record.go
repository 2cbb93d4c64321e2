package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/inferbench/inferbench/internal/cliflag"
	"github.com/inferbench/inferbench/internal/graceful"
	"github.com/inferbench/inferbench/recorder"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// recordShutdownGrace is how long requests in flight may take to finish
// after an interrupt before they are cut.
const recordShutdownGrace = 10 * time.Second

// cmdRecord is `inferbench record`: a pass-through proxy that records the
// traffic it forwards as a workload.
func cmdRecord(ctx context.Context, e *env, args []string) int {
	fs := cliflag.New("record", "inferbench record --listen ADDR --upstream URL --out FILE [--content keep|hash|drop]", `  inferbench record --listen 127.0.0.1:8080 --upstream https://api.openai.com --out prod.jsonl
      (then point the app's base URL at http://127.0.0.1:8080/v1)
  inferbench record --listen :8080 --upstream http://vllm:8000 --out cap.jsonl --content hash --rotate-requests 100000`, e.stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	var set recorder.Settings
	fs.StringVar(&set.Upstream, "upstream", "", "server to forward to, e.g. https://api.openai.com")
	fs.StringVar(&set.Out, "out", "", "workload file to write (must not exist); with rotation, numbered files beside it")
	fs.StringVar(&set.Content, "content", "keep", "message text: keep, hash (same-length synthetic text, equal texts stay equal) or drop (lengths only)")
	fs.StringVar(&set.Tokenizer, "tokenizer", workloads.DefaultTokenizer, "tokenizer for hash/drop lengths: "+strings.Join(workloads.TokenizerNames, ", "))
	fs.IntVar(&set.RotateRequests, "rotate-requests", 0, "start a new file after this many requests (0: never)")
	fs.Int64Var(&set.RotateBytes, "rotate-bytes", 0, "start a new file once one reaches this many bytes (0: never)")
	pos, err := cliflag.Parse(fs, args)
	if err != nil {
		return usageError(e, "record", err)
	}
	var extra error
	if len(pos) > 0 {
		extra = fmt.Errorf("unexpected arguments: %s", strings.Join(pos, " "))
	}
	cfg, err := set.Config()
	if err := errors.Join(extra, err); err != nil {
		return usageError(e, "record", err)
	}
	cfg.OnError = func(err error) { fmt.Fprintf(e.stderr, "inferbench record: %v\n", results.RedactText(err.Error())) }
	// Listen first: a port that is taken must not leave an empty --out.
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench record: %v\n", err)
		return exitFailed
	}
	p, err := recorder.New(cfg)
	if err != nil {
		ln.Close()
		fmt.Fprintf(e.stderr, "inferbench record: %v\n", err)
		return exitFailed
	}
	hs := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(e.stderr, "inferbench record: listening on http://%s, forwarding to %s, recording to %s (content %s)\n",
		ln.Addr(), results.RedactURL(cfg.Upstream.String()), cfg.Out, cfg.Content)

	ctx, cut, release := e.interruptible(ctx, "", "")
	defer release()
	code := exitOK
	select {
	case err := <-served:
		fmt.Fprintf(e.stderr, "inferbench record: %v\n", err)
		code = exitFailed
	case <-ctx.Done():
	}
	// Stop accepting and let requests in flight finish (a second interrupt
	// cuts them short), then write what is queued.
	if err := graceful.Shutdown(hs, recordShutdownGrace, cut); err != nil {
		hs.Close()
	}
	if err := p.Close(); err != nil {
		fmt.Fprintf(e.stderr, "inferbench record: %v\n", err)
		code = exitFailed
	}
	fmt.Fprintf(e.stderr, "inferbench record: recorded %d requests to %s\n", p.Recorded(), strings.Join(p.Files(), ", "))
	return code
}
