package prices

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Overrides are prices a user adds to or replaces in the catalogue: a
// negotiated discount, a model the catalogue lacks, an in-house GPU rate.
// The file format is JSON (encoding/json, no dependency):
//
//	{
//	  "tokens": [
//	    {"provider": "openai", "model": "gpt-4o", "input_per_1m": 2.0, "output_per_1m": 8.0,
//	     "cached_input_per_1m": 1.0, "checked_at": "2026-11-01", "source": "our contract"}
//	  ],
//	  "gpus": [
//	    {"gpu": "H100-SXM-80GB", "offer": "on-prem", "usd_per_gpu_hour": 1.85, "source": "finance, 3-year TCO"}
//	  ]
//	}
//
// Token entries take the fields of TokenPrice (long_context: {"above_input_tokens": N, "input_per_1m": ...}),
// GPU entries those of GPUPrice. An entry without a source is cited as the file.
type Overrides struct {
	Tokens []TokenPrice `json:"tokens"`
	GPUs   []GPUPrice   `json:"gpus"`
}

// ReadOverrides reads an overrides file. Errors name the file and the line:
// "prices.json:7: tokens[1] (openai/gpt-4o): output price -1 is not a price".
func ReadOverrides(r io.Reader, name string) (*Overrides, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var o Overrides
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, jsonErrLine(data, err), err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s:%d: data after the top-level object", name, lineAt(data, int(dec.InputOffset())))
	}
	var errs []error
	for i := range o.Tokens {
		t := &o.Tokens[i]
		if t.Source == "" {
			t.Source = "overrides file " + name
		}
		if err := t.validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: tokens[%d] (%s/%s): %w", name, elementLine(data, "tokens", i), i, t.Provider, t.Model, err))
		}
	}
	for i := range o.GPUs {
		g := &o.GPUs[i]
		if g.Source == "" {
			g.Source = "overrides file " + name
		}
		if g.Provider == "" {
			g.Provider, _, _ = strings.Cut(g.Offer, "-")
		}
		if err := g.validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: gpus[%d] (%s/%s): %w", name, elementLine(data, "gpus", i), i, g.GPU, g.Offer, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &o, nil
}

// LoadOverrides reads the overrides file at path.
func LoadOverrides(path string) (*Overrides, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("price overrides: %w", err)
	}
	defer f.Close()
	return ReadOverrides(f, path)
}

// Apply returns c with the overrides added (see Catalog.With).
func (o *Overrides) Apply(c *Catalog) (*Catalog, error) {
	if o == nil {
		return c, nil
	}
	return c.With(o.Tokens, o.GPUs)
}

// jsonErrLine finds the line of a decoding error from its byte offset.
func jsonErrLine(data []byte, err error) int {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return lineAt(data, int(se.Offset))
	case errors.As(err, &te):
		return lineAt(data, int(te.Offset))
	}
	return 1
}

func lineAt(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

// elementLine finds the line where element i of the top-level array key
// starts, by walking the JSON tokens; 1 if it cannot tell.
func elementLine(data []byte, key string, i int) int {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 1
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return 1
		}
		if k != key {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return 1
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return 1
		}
		for n := 0; dec.More(); n++ {
			off := int(dec.InputOffset())
			if n == i {
				// Skip the separator and blanks before the element.
				for off < len(data) && strings.ContainsRune(", \t\r\n", rune(data[off])) {
					off++
				}
				return lineAt(data, off)
			}
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return 1
			}
		}
		return 1
	}
	return 1
}

// LoadCatalog is the shipped catalogue with the overrides file at path
// applied; an empty path is the shipped catalogue.
func LoadCatalog(path string) (*Catalog, error) {
	if path == "" {
		return Default(), nil
	}
	o, err := LoadOverrides(path)
	if err != nil {
		return nil, err
	}
	return o.Apply(Default())
}
