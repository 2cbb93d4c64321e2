package html

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/chart"
	"github.com/inferbench/inferbench/results"
)

// saturationPoints is the most points a saturation series is drawn with;
// longer series keep the largest value of each stretch, so peaks survive.
const saturationPoints = 600

// SaturationCharts draws the runs' telemetry (RunData.GPU and RunData.Server, as
// Load reads them from gpu.parquet and server_metrics.parquet) against
// seconds since the run started: GPU activity per GPU (SM activity where
// measured, else NVML utilisation), the server's running and waiting
// requests, and its KV-cache usage. labels name the runs in legends (nil:
// run ids) and colors colour them (none: by position). Runs without
// telemetry add nothing; no telemetry at all gives no charts.
func SaturationCharts(runs []*reports.RunData, labels []string, colors ...int) []SaturationChart {
	gpuC := SaturationChart{Title: "GPU activity", YLabel: "% active",
		Caption: "SM activity where the GPU reports it (the share of cycles with work resident), else NVML utilisation, which reads 100% with any kernel running. One line per GPU."}
	queueC := SaturationChart{Title: "Server queue", YLabel: "requests",
		Caption: "Running (solid) and waiting (dashed) requests as the engine reports them. Waiting above zero for long means the server is saturated at this load."}
	kvC := SaturationChart{Title: "KV-cache usage", YLabel: "% of KV cache",
		Caption: "Share of the KV cache in use. Near 100% the engine queues or preempts requests."}
	for i, r := range runs {
		label := r.RunID
		if i < len(labels) {
			label = labels[i]
		}
		col := i
		if i < len(colors) {
			col = colors[i]
		}
		gpuC.Series = append(gpuC.Series, gpuActivity(r.GPU, label, col)...)
		if s, ok := canonSeries(r.Server, results.CanonRunning, 1, label+" running", col, false); ok {
			queueC.Series = append(queueC.Series, s)
		}
		if s, ok := canonSeries(r.Server, results.CanonWaiting, 1, label+" waiting", col, true); ok {
			queueC.Series = append(queueC.Series, s)
		}
		if s, ok := canonSeries(r.Server, results.CanonKVUsage, 100, label, col, false); ok {
			kvC.Series = append(kvC.Series, s)
		}
	}
	var charts []SaturationChart
	for _, c := range []SaturationChart{gpuC, queueC, kvC} {
		if len(c.Series) > 0 {
			charts = append(charts, c)
		}
	}
	return charts
}

// gpuActivity is one series per GPU: SM activity when the GPU reported
// it (the better saturation signal), else NVML utilisation.
func gpuActivity(samples []results.GPUSample, label string, color int) []chart.Series {
	type key struct {
		host, uuid string
		index      int32
	}
	byGPU := map[key][]*results.GPUSample{}
	var order []key
	for i := range samples {
		s := &samples[i]
		k := key{s.Host + "\x00" + s.SourceURL, s.GPUUUID, s.GPUIndex}
		if _, ok := byGPU[k]; !ok {
			order = append(order, k)
		}
		byGPU[k] = append(byGPU[k], s)
	}
	slices.SortStableFunc(order, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.host, b.host), cmp.Compare(a.index, b.index), cmp.Compare(a.uuid, b.uuid))
	})
	var out []chart.Series
	for n, k := range order {
		ss := byGPU[k]
		sm := slices.ContainsFunc(ss, func(s *results.GPUSample) bool { return s.SMActivePct != nil })
		var pts []chart.Point
		for _, s := range ss {
			v := s.UtilGPUPct
			if sm {
				v = s.SMActivePct
			}
			if v != nil {
				pts = append(pts, chart.Point{X: float64(s.TsNs) / 1e9, Y: *v})
			}
		}
		if len(pts) == 0 {
			continue
		}
		slices.SortStableFunc(pts, func(a, b chart.Point) int { return cmp.Compare(a.X, b.X) })
		name := label + " GPU " + strconv.Itoa(int(k.index))
		// Dashes tell a run's GPUs apart; the colour is the run's.
		out = append(out, chart.Series{Name: name, Color: color, Dashed: n%2 == 1, Points: peaks(pts, saturationPoints)})
	}
	return out
}

// canonSeries is one canonical server signal of a run, summed over the
// label sets (engines) scraped at the same instant, times scale.
func canonSeries(samples []results.ServerMetricSample, canon string, scale float64, name string, color int, dashed bool) (chart.Series, bool) {
	sum := map[int64]float64{}
	for _, s := range samples {
		if s.Canonical == canon {
			sum[s.TsNs] += s.Value * scale
		}
	}
	if len(sum) == 0 {
		return chart.Series{}, false
	}
	pts := make([]chart.Point, 0, len(sum))
	for t, v := range sum {
		pts = append(pts, chart.Point{X: float64(t) / 1e9, Y: v})
	}
	slices.SortFunc(pts, func(a, b chart.Point) int { return cmp.Compare(a.X, b.X) })
	return chart.Series{Name: name, Color: color, Dashed: dashed, Points: peaks(pts, saturationPoints)}, true
}

// peaks thins a time series to at most n points by keeping, of each run
// of consecutive points, the one with the largest value: a saturation
// chart is read for its peaks, which averaging would hide.
func peaks(pts []chart.Point, n int) []chart.Point {
	if len(pts) <= n {
		return pts
	}
	out := make([]chart.Point, 0, n)
	for b := range n {
		lo, hi := b*len(pts)/n, (b+1)*len(pts)/n
		best := pts[lo]
		for _, p := range pts[lo+1 : hi] {
			if p.Y > best.Y {
				best = p
			}
		}
		out = append(out, best)
	}
	return out
}
