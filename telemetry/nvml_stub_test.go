//go:build !cgo

package telemetry

import (
	"errors"
	"strings"
	"testing"
)

func TestOpenNVMLWithoutCgo(t *testing.T) {
	_, err := OpenNVML(nil)
	if !errors.Is(err, ErrNVMLUnavailable) || !strings.Contains(err.Error(), "CGO_ENABLED=1") {
		t.Fatalf("err = %v", err)
	}
}
