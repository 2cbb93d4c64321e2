package workloads

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"
	"time"
)

// WriteJSON writes s as `inferbench workload inspect --format json` does:
// the file name and the Stats fields, indented.
func (s Stats) WriteJSON(w io.Writer, file string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		File string `json:"file"`
		Stats
	}{file, s})
}

// WriteText writes s as aligned tables, as `inferbench workload inspect`
// prints it.
func (s Stats) WriteText(w io.Writer, file string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "file\t%s\n", file)
	fmt.Fprintf(tw, "format\t%s\n", s.Format)
	fmt.Fprintf(tw, "rows\t%d\n", s.Rows)
	if s.Timed {
		fmt.Fprintf(tw, "duration\t%.6f s (%s)\n", s.DurationS, time.Duration(s.DurationS*float64(time.Second)).Round(time.Millisecond))
		fmt.Fprintf(tw, "rate\t%.6f /s (rows-1)/duration\n", s.RatePerS)
		fmt.Fprintf(tw, "cv inter-arrival\t%.6f (1 = Poisson)\n", s.CVInterarrival)
		if s.OutOfOrder > 0 {
			fmt.Fprintf(tw, "out of order\t%d rows earlier than the row before\n", s.OutOfOrder)
		}
	} else {
		fmt.Fprintf(tw, "arrival times\tnone (the run's load model decides when to send)\n")
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "tokens\tmean\tp50\tp90\tp99\tmax\tsum\t\n")
	type row struct {
		name string
		ls   LengthStats
	}
	rows := []row{{"input", s.InputTokens}, {"output", s.OutputTokens}}
	if o := s.Observed; o != nil {
		rows = append(rows, row{"observed output", o.OutputTokens})
		if o.Rows > o.FromChunks {
			rows = append(rows, row{"observed input", o.InputTokens})
		}
	}
	for _, l := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t\n", l.name, strconv.FormatFloat(math.Round(l.ls.Mean*1e4)/1e4, 'f', -1, 64), l.ls.P50, l.ls.P90, l.ls.P99, l.ls.Max, l.ls.Sum)
	}
	tw.Flush()
	fmt.Fprintf(w, "(nearest-rank percentiles; mean to 4 decimals; input lengths %s)\n", s.InputSource)
	if o := s.Observed; o != nil {
		fmt.Fprintf(w, "(output is the max_tokens asked for; observed is what the upstream answered, in %d of %d rows:\n"+
			" %d by its usage, %d by stream chunks; %d streamed; %d reasoning tokens)\n",
			o.Rows, s.Rows, o.Rows-o.FromChunks, o.FromChunks, o.Streamed, o.ReasoningTokens)
		if in, out := float64(o.UsageInput), float64(o.UsageOutput); in+out > 0 {
			fmt.Fprintf(w, "observed mix: input:output %.1f%%:%.1f%% of the tokens of the rows with usage\n", 100*in/(in+out), 100*out/(in+out))
		}
	}
	if s.Sessions > 0 || s.FailedRows > 0 || s.InvalidRows > 0 || s.PrefixReuse != nil {
		fmt.Fprintln(w)
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if s.Sessions > 0 {
		fmt.Fprintf(tw, "sessions\t%d (%d turns, longest %d)\n", s.Sessions, s.Turns, s.MaxTurns)
	}
	if p := s.PrefixReuse; p != nil {
		fmt.Fprintf(tw, "prefix reuse\t%d of %d hash blocks repeat an earlier one (%.1f%%); %d unique; %d rows share a first block\n",
			p.ReusedBlocks, p.Blocks, 100*p.ReuseRatio, p.UniqueBlocks, p.RowsSharing)
	}
	if s.FailedRows > 0 {
		fmt.Fprintf(tw, "failed rows\t%d (skipped when replaying unless --keep-failed)\n", s.FailedRows)
	}
	if s.InvalidRows > 0 {
		fmt.Fprintf(tw, "invalid rows\t%d skipped\n", s.InvalidRows)
	}
	return tw.Flush()
}
