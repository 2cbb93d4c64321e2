// Package gputable is the per-GPU summary table of a run's or an agent's
// GPU samples (gpu.parquet), as `inferbench agent --out` prints it. It
// imports reports (for the GPU summary's figures) and results.
package gputable

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/results"
)

// Write writes one line per GPU of rows (a gpu.parquet's samples): its
// samples, mean and max utilisation, SM activity, power, energy and its
// source, memory high-water mark and the span sampled; NULL columns
// print "-". scripts/gpu-check.sh reads the columns by position (name is
// last because it has spaces).
func Write(w io.Writer, rows []results.GPUSample) {
	byIdx := map[int32][]results.GPUSample{}
	for _, r := range rows {
		byIdx[r.GPUIndex] = append(byIdx[r.GPUIndex], r)
	}
	idx := make([]int32, 0, len(byIdx))
	for i := range byIdx {
		idx = append(idx, i)
	}
	sort.Slice(idx, func(a, b int) bool { return idx[a] < idx[b] })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "gpu\tsamples\tutil_mean_pct\tutil_max_pct\tsm_active_mean_pct\tpower_mean_w\tpower_max_w\tpower_limit_w\tenergy_j\tenergy_source\tmem_max_mib\tspan_s\tname")
	for _, i := range idx {
		rs := byIdx[i]
		var from, to int64 = rs[0].TsNs, rs[0].TsNs
		var pmax, plimit *float64
		for _, r := range rs {
			from, to = min(from, r.TsNs), max(to, r.TsNs)
			if r.PowerW != nil && (pmax == nil || *r.PowerW > *pmax) {
				pmax = r.PowerW
			}
			if r.PowerLimitW != nil {
				plimit = r.PowerLimitW
			}
		}
		s := reports.SummarizeGPU(rs, from, to)
		var mem *float64
		if s.MemHighWaterBytes != nil {
			mem = results.F64(float64(*s.MemHighWaterBytes >> 20))
		}
		src := s.EnergySource
		if src == "" {
			src = "-"
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%s\n", i, len(rs),
			num(s.MeanUtilPct), num(s.MaxUtilPct), num(s.MeanSMActivePct), num(s.MeanPowerW), num(pmax), num(plimit),
			num(s.EnergyJ), src, num(mem), float64(to-from)/1e9, rs[0].GPUName)
	}
	tw.Flush()
}

func num(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f", *p)
}
