package targets

import (
	"context"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// Target is what New returns: any of this package's targets. Its Do has
// bench.Target's signature.
type Target interface {
	Do(ctx context.Context, clock results.Clock, req *workloads.Request) results.Record
	CloseIdleConnections()
}
