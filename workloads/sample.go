package workloads

import (
	"bytes"
	_ "embed"
)

// SampleName is the name that selects the bundled sample workload.
const SampleName = "sample"

//go:embed data/sample.jsonl
var sampleJSONL []byte

// SampleBytes is the bundled sample workload as native JSON Lines: 300 chat
// requests with arrival times and lengths from the Azure 2023 conversation
// trace and prompt text from Shakespeare's sonnets (see data/README.md).
func SampleBytes() []byte { return sampleJSONL }

// Sample parses the bundled sample workload.
func Sample() []Request {
	reqs, err := ReadJSONL(bytes.NewReader(sampleJSONL), SampleName)
	if err != nil {
		panic("workloads: bundled sample is invalid: " + err.Error())
	}
	return reqs
}
