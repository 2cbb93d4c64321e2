package main

import (
	"bytes"
	"path/filepath"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/html"
	"github.com/inferbench/inferbench/reports/trend"
)

// renderTrend writes the nightly trend of runs in a format; the HTML
// page's links to the runs are relative to the folder of out (the current
// directory when it goes to standard output).
func renderTrend(b *bytes.Buffer, runs []*reports.RunData, opt reports.Options, format, out string) error {
	t := trend.Build(runs, trend.Options{Options: opt})
	switch format {
	case "md":
		return trend.RenderMarkdown(b, t)
	case "json":
		return trend.RenderJSON(b, t)
	case "html":
		base := "."
		if out != "" {
			base = filepath.Dir(out)
		}
		return html.RenderTrend(b, t, html.TrendOptions{Generated: time.Now(), LinkBase: base})
	}
	return trend.RenderText(b, t)
}
