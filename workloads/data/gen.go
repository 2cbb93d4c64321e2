//go:build ignore

// gen writes sample.jsonl, the bundled sample workload: 300 chat requests
// whose arrival offsets and input/output lengths are the first 300 rows of
// the Azure LLM inference trace 2023 (conversation; CC-BY-4.0, Patel et
// al., Splitwise, ISCA 2024) and whose prompt text is cut from
// Shakespeare's sonnets 1-37 (public domain). Input length is approximated
// at 4 bytes per token and recorded exactly as input_tokens.
//
//	go run workloads/data/gen.go -trace ../shared/data/traces/azure2023/AzureLLMInferenceTrace_conv.first2000.csv \
//	    -text ../shared/data/text/sonnet.txt > workloads/data/sample.jsonl
package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	trace := flag.String("trace", "", "Azure 2023 conversation trace CSV")
	text := flag.String("text", "", "sonnet.txt")
	n := flag.Int("n", 300, "requests")
	flag.Parse()

	raw, err := os.ReadFile(*text)
	check(err)
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}

	f, err := os.Open(*trace)
	check(err)
	rows, err := csv.NewReader(f).ReadAll()
	check(err)
	rows = rows[1:]
	const layout = "2006-01-02 15:04:05.9999999"
	t0, err := time.Parse(layout, rows[0][0])
	check(err)
	rng := rand.New(rand.NewPCG(42, 42))
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for i := 0; i < *n; i++ {
		r := rows[i]
		ts, err := time.Parse(layout, r[0])
		check(err)
		in, _ := strconv.Atoi(r[1])
		outTok, _ := strconv.Atoi(r[2])
		at := float64(ts.Sub(t0).Microseconds()) / 1000
		// Prompt: consecutive sonnet lines from a seeded start, cut to
		// 4 bytes per intended input token (less the instruction).
		const instr = "Continue this poem in the same style:\n\n"
		want := max(in*4-len(instr), 8)
		var b strings.Builder
		for j := rng.IntN(len(lines)); b.Len() < want; j++ {
			b.WriteString(lines[j%len(lines)])
			b.WriteByte('\n')
		}
		prompt := b.String()
		if len(prompt) > want {
			prompt = prompt[:want]
			if k := strings.LastIndexAny(prompt, " \n"); k > want/2 {
				prompt = prompt[:k]
			}
		}
		check(enc.Encode(map[string]any{
			"id":           fmt.Sprintf("azure-conv-%04d", i+1),
			"messages":     []map[string]string{{"role": "user", "content": instr + prompt}},
			"max_tokens":   outTok,
			"at_ms":        at,
			"input_tokens": in,
		}))
	}
	check(out.Flush())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
