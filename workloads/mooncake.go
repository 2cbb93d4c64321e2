package workloads

import (
	"bufio"
	"encoding/json"
	"math"
	"strconv"
)

// HashBlockTokens is the length of one Mooncake prefix block: hash id i of
// a row covers prompt tokens [512i, 512i+512).
const HashBlockTokens = 512

// mooncakeSource reads Mooncake traces (kvcache-ai/Mooncake, FAST 2025):
// JSON Lines of {"timestamp": ms, "input_length", "output_length",
// "hash_ids": [...]}. Many rows may share a timestamp.
type mooncakeSource struct{ lineSource }

func newMooncakeSource(br *bufio.Reader, name string) *mooncakeSource {
	return &mooncakeSource{lineSource{br: br, name: name}}
}

type mooncakeLine struct {
	Timestamp    *json.Number `json:"timestamp"`
	InputLength  *int         `json:"input_length"`
	OutputLength *int         `json:"output_length"`
	HashIDs      []int64      `json:"hash_ids"`
}

func (s *mooncakeSource) next() (Row, error) {
	b, line, err := s.nextLine()
	if err != nil {
		return Row{}, err
	}
	row := Row{Line: line}
	var m mooncakeLine
	if err := s.decode(b, line, &m, `want a JSON object {"timestamp", "input_length", "output_length", "hash_ids"}`); err != nil {
		return row, err
	}
	switch {
	case m.Timestamp == nil:
		return row, s.errorf(line, `missing "timestamp" (milliseconds)`)
	case m.InputLength == nil:
		return row, s.errorf(line, `missing "input_length"`)
	case m.OutputLength == nil:
		return row, s.errorf(line, `missing "output_length"`)
	case *m.InputLength < 0:
		return row, s.errorf(line, `"input_length" must be >= 0, got %d`, *m.InputLength)
	case *m.OutputLength < 0:
		return row, s.errorf(line, `"output_length" must be >= 0, got %d`, *m.OutputLength)
	}
	ns, ok := msToNs(string(*m.Timestamp))
	if !ok {
		return row, s.errorf(line, `"timestamp" must be milliseconds >= 0, got %s`, truncate(string(*m.Timestamp), 40))
	}
	row.TimeNs, row.HasTime = ns, true
	row.InputTokens, row.OutputTokens = *m.InputLength, *m.OutputLength
	row.HashIDs = m.HashIDs
	row.Request.ID = strconv.Itoa(line)
	return row, nil
}

// msToNs converts a JSON number of milliseconds to nanoseconds, exactly
// for integers.
func msToNs(s string) (int64, bool) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		if v < 0 || v > math.MaxInt64/1_000_000 {
			return 0, false
		}
		return v * 1e6, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > math.MaxInt64/1e6 {
		return 0, false
	}
	return int64(math.Round(f * 1e6)), true
}
