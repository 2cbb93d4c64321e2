package recorder

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// Settings are a recording as `inferbench record`'s flags give it, before
// they are checked: the upstream as text, the content mode and tokenizer
// by name.
type Settings struct {
	Upstream, Out, Content, Tokenizer string
	RotateRequests                    int
	RotateBytes                       int64
}

// Config checks the settings, reporting every problem at once, named as
// the flags (an upstream URL redacted), and returns the proxy's Config
// (OnError left for the caller).
func (s Settings) Config() (Config, error) {
	var errs []error
	var up *url.URL
	var err error
	if s.Upstream == "" {
		errs = append(errs, errors.New("need --upstream"))
	} else if up, err = url.Parse(s.Upstream); err != nil || (up.Scheme != "http" && up.Scheme != "https") || up.Host == "" {
		errs = append(errs, fmt.Errorf("--upstream %q: want an http or https URL", results.RedactURL(s.Upstream)))
	}
	if s.Out == "" {
		errs = append(errs, errors.New("need --out"))
	}
	mode, err := ParseContent(s.Content)
	errs = append(errs, err)
	if _, err := workloads.NewTokenizer(s.Tokenizer); err != nil {
		errs = append(errs, err)
	}
	if s.RotateRequests < 0 || s.RotateBytes < 0 {
		errs = append(errs, errors.New("--rotate-requests and --rotate-bytes must be >= 0"))
	}
	return Config{Upstream: up, Out: s.Out, Content: mode, Tokenizer: s.Tokenizer,
		RotateRequests: s.RotateRequests, RotateBytes: s.RotateBytes}, errors.Join(errs...)
}
