//go:build !cgo

package telemetry

import "fmt"

// OpenNVML always fails in a build without cgo: go-nvml needs cgo to load
// libnvidia-ml. Build with CGO_ENABLED=1 to sample local GPUs.
func OpenNVML(log func(string)) (Sampler, error) {
	return nil, fmt.Errorf("%w: this inferbench was built without cgo (CGO_ENABLED=0); rebuild with CGO_ENABLED=1", ErrNVMLUnavailable)
}
