package telemetry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/inferbench/inferbench/results"
)

// maxScrapeBytes bounds one /metrics body; a vLLM server exposes well
// under 1 MiB.
const maxScrapeBytes = 64 << 20

// acceptText asks for the classic text format; the protobuf and
// OpenMetrics formats are not needed for gauges and counters.
const acceptText = `text/plain;version=0.0.4;q=1,*/*;q=0.1`

// Scraper reads a Prometheus text endpoint (an engine's /metrics, a DCGM
// exporter, `inferbench agent`, the simulated GPU) into long-form rows.
type Scraper struct {
	// URL of the /metrics endpoint.
	URL string
	// Client is the HTTP client (default: a plain client; the timeout is
	// applied per scrape through the context).
	Client *http.Client
	// Timeout of one scrape (default 5s). A slow endpoint fails with class
	// timeout and is tried again next tick.
	Timeout time.Duration
	// GPU also turns DCGM series into GPUSample rows (source dcgm, or sim
	// for the simulated GPU).
	GPU bool
	// Keep, when set, drops series whose name it rejects (the raw rows
	// only; GPU rows are derived before filtering).
	Keep func(name string) bool
}

// Name implements Sampler: the URL without credentials
// (results.RedactURL), which is also the rows' source.
func (s *Scraper) Name() string { return results.RedactURL(s.URL) }

// Sample implements Sampler: one GET, parsed with the Prometheus project's
// own text parser.
func (s *Scraper) Sample(ctx context.Context) (Batch, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := s.fetch(ctx)
	if err != nil {
		return Batch{}, err
	}
	rows, err := ParseText(body, s.Name())
	if err != nil {
		return Batch{}, &SampleError{Class: ClassMalformed, Err: fmt.Errorf("%s: %w", s.Name(), err)}
	}
	var b Batch
	if s.GPU {
		b.GPU = GPUFromDCGM(rows)
	}
	if s.Keep != nil {
		kept := rows[:0]
		for _, r := range rows {
			if s.Keep(r.Name) {
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	b.Server = rows
	return b, nil
}

func (s *Scraper) fetch(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		return nil, &SampleError{Class: ClassOther, Err: results.RedactError(err)}
	}
	req.Header.Set("Accept", acceptText)
	c := s.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, &SampleError{Class: netClass(ctx, err), Err: results.RedactError(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, &SampleError{Class: ClassHTTPStatus, Err: fmt.Errorf("GET %s: HTTP %s", s.Name(), resp.Status)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxScrapeBytes))
	if err != nil {
		return nil, &SampleError{Class: netClass(ctx, err), Err: fmt.Errorf("GET %s: reading body: %w", s.Name(), err)}
	}
	return body, nil
}

// netClass tells a refused connection from a timeout.
func netClass(ctx context.Context, err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), ctx.Err() != nil, errors.As(err, &ne) && ne.Timeout():
		return ClassTimeout
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return ClassRefused
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return ClassRefused
	}
	return ClassOther
}

// ParseText parses Prometheus text exposition into long-form rows (ts
// left zero for the caller), sorted by name then labels so output is
// stable. Histograms and summaries become their _bucket/_sum/_count and
// quantile series; every row gets its canonical name where known.
func ParseText(body []byte, source string) ([]results.ServerMetricSample, error) {
	fams, err := parseFamilies(body)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(fams))
	for n := range fams {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []results.ServerMetricSample
	add := func(name, typ string, labels map[string]string, v float64) {
		out = append(out, results.ServerMetricSample{
			Source: source, Name: name, Type: typ, Canonical: Canonical(name),
			Labels: results.LabelsJSON(labels), Value: v,
		})
	}
	for _, n := range names {
		mf := fams[n]
		typ := familyType(mf)
		start := len(out)
		for _, m := range mf.GetMetric() {
			labels := make(map[string]string, len(m.GetLabel()))
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				add(n, typ, labels, m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				add(n, typ, labels, m.GetGauge().GetValue())
			case dto.MetricType_SUMMARY:
				sm := m.GetSummary()
				for _, q := range sm.GetQuantile() {
					add(n, typ, with(labels, "quantile", formatFloat(q.GetQuantile())), q.GetValue())
				}
				add(n+"_sum", typ, labels, sm.GetSampleSum())
				add(n+"_count", typ, labels, float64(sm.GetSampleCount()))
			case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
				h := m.GetHistogram()
				for _, bk := range h.GetBucket() {
					add(n+"_bucket", typ, with(labels, "le", formatFloat(bk.GetUpperBound())), float64(bk.GetCumulativeCount()))
				}
				add(n+"_sum", typ, labels, h.GetSampleSum())
				add(n+"_count", typ, labels, float64(h.GetSampleCount()))
			default:
				add(n, typ, labels, m.GetUntyped().GetValue())
			}
		}
		part := out[start:]
		sort.SliceStable(part, func(i, j int) bool {
			if part[i].Name != part[j].Name {
				return part[i].Name < part[j].Name
			}
			return part[i].Labels < part[j].Labels
		})
	}
	return out, nil
}

// parseFamilies runs expfmt's parser, turning a panic into an error:
// expfmt v0.71 dereferences nil on some malformed input (found by
// FuzzParseText: a label set with no metric name after a TYPE line), and a
// remote endpoint's bad text must never bring the run down.
func parseFamilies(body []byte) (fams map[string]*dto.MetricFamily, err error) {
	defer func() {
		if r := recover(); r != nil {
			fams, err = nil, fmt.Errorf("text format parsing error: parser panicked: %v", r)
		}
	}()
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(bytes.NewReader(body))
}

func familyType(mf *dto.MetricFamily) string {
	switch mf.GetType() {
	case dto.MetricType_COUNTER:
		return "counter"
	case dto.MetricType_GAUGE:
		return "gauge"
	case dto.MetricType_SUMMARY:
		return "summary"
	case dto.MetricType_HISTOGRAM:
		return "histogram"
	case dto.MetricType_GAUGE_HISTOGRAM:
		return "gaugehistogram"
	}
	return "untyped"
}

func with(labels map[string]string, k, v string) map[string]string {
	c := make(map[string]string, len(labels)+1)
	for a, b := range labels {
		c[a] = b
	}
	c[k] = v
	return c
}

// formatFloat spells le and quantile values the way Prometheus does.
func formatFloat(f float64) string {
	return model.SampleValue(f).String()
}
