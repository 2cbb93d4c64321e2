package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/inferbench/inferbench/results"
)

// version and commit are set at build time:
//
//	go build -ldflags "-X main.version=v0.1.0 -X main.commit=$(git rev-parse HEAD)"
var (
	version = "dev"
	commit  = ""
)

func toolInfo() results.Tool {
	t := results.Tool{Name: "inferbench", Version: version, Commit: commit, GoVersion: runtime.Version()}
	if t.Commit == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					t.Commit = s.Value
				}
			}
		}
	}
	return t
}

func cmdVersion(ctx context.Context, e *env, args []string) int {
	t := toolInfo()
	c := t.Commit
	if c == "" {
		c = "unknown commit"
	}
	fmt.Fprintf(e.stdout, "inferbench %s (%s, %s %s/%s)\n", t.Version, c, t.GoVersion, runtime.GOOS, runtime.GOARCH)
	return exitOK
}
