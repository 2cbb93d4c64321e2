package main

// Tests that keep README.md and docs/ true and complete (issue 16 item 4):
// every flag a command's -h lists is in the command's section of
// docs/commands.md; every repository path the docs name exists; and the
// README's example commands run against the simulator.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// repoRoot is the repository root, seen from this package's directory.
const repoRoot = "../.."

// helpText is what `inferbench PATH... -h` prints, stdout and stderr.
func helpText(t *testing.T, path []string) string {
	t.Helper()
	e, stdout, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, append(slices.Clone(path), "-h")); code != exitOK {
		t.Fatalf("inferbench %s -h: exit %d: %s", strings.Join(path, " "), code, stderr)
	}
	return stdout.String() + stderr.String()
}

var (
	helpFlag = regexp.MustCompile(`(?m)^  -([a-z0-9][a-z0-9-]*)(?: |$)`)
	// A subcommand is a lowercase word after the command's name on a line
	// of the Usage section, like "inferbench workload synth --n N".
	usageSection = regexp.MustCompile(`(?s)Usage:\n(.*?)\n\n`)
)

// commandPaths are every command of the dispatch table and every
// subcommand their Usage sections name, each with its -h text.
func commandPaths(t *testing.T) map[string]string {
	t.Helper()
	paths := map[string]string{}
	for _, c := range commands {
		help := helpText(t, []string{c.name})
		paths[c.name] = help
		m := usageSection.FindStringSubmatch(help)
		if m == nil {
			continue
		}
		sub := regexp.MustCompile(`inferbench ` + regexp.QuoteMeta(c.name) + ` ([a-z][a-z-]*)(?:\s|$)`)
		for _, s := range sub.FindAllStringSubmatch(m[1], -1) {
			if _, ok := paths[c.name+" "+s[1]]; !ok {
				paths[c.name+" "+s[1]] = helpText(t, []string{c.name, s[1]})
			}
		}
	}
	return paths
}

// docSections splits docs/commands.md at its headings: the text under
// each "## `inferbench PATH`" (or ###), by PATH.
func docSections(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "docs", "commands.md"))
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile("(?m)^#{2,3} `inferbench ([a-z -]+)`$")
	secs := map[string]string{}
	locs := heading.FindAllStringSubmatchIndex(string(b), -1)
	for i, l := range locs {
		end := len(b)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		secs[string(b[l[2]:l[3]])] = string(b[l[1]:end])
	}
	return secs
}

// namesFlag reports whether text names --flag (not a longer flag it
// prefixes).
func namesFlag(text, flag string) bool {
	return regexp.MustCompile(`--` + regexp.QuoteMeta(flag) + `([^a-z0-9-]|$)`).MatchString(text)
}

// TestDocsNameEveryFlag: every flag that a command's (or subcommand's)
// -h lists is named as --flag in that command's section of
// docs/commands.md. Commands come from the dispatch table, so a new
// command or flag without documentation fails here.
func TestDocsNameEveryFlag(t *testing.T) {
	secs := docSections(t)
	paths := commandPaths(t)
	if _, ok := paths["workload synth"]; !ok {
		t.Fatalf("no subcommands found: %v", slices.Sorted(func(yield func(string) bool) {
			for p := range paths {
				if !yield(p) {
					return
				}
			}
		}))
	}
	checked := 0
	for path, help := range paths {
		flags := helpFlag.FindAllStringSubmatch(help, -1)
		if len(flags) == 0 {
			continue // version, and commands that only name subcommands
		}
		sec, ok := secs[path]
		if !ok {
			t.Errorf("docs/commands.md has no section \"## `inferbench %s`\" for its %d flags", path, len(flags))
			continue
		}
		for _, f := range flags {
			checked++
			if f[1] == "h" || f[1] == "help" {
				continue
			}
			if !namesFlag(sec, f[1]) {
				t.Errorf("inferbench %s -h lists --%s; its section of docs/commands.md does not name it", path, f[1])
			}
		}
	}
	if checked < 150 {
		t.Errorf("only %d flags found in the commands' -h; the parser lost some", checked)
	}
}

var (
	fence        = regexp.MustCompile("(?ms)^```[^\n]*\n.*?^```[ \t]*$")
	inlineCode   = regexp.MustCompile("`([^`\n]+)`")
	markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	repoPath     = regexp.MustCompile(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*/?$`)
)

// docOutputs are paths the docs name that are not in this repository:
// outputs of a command or a make target, and files of other projects the
// docs cite. Each says why.
var docOutputs = map[string]string{
	"bin/inferbench":            "built by make build",
	"docs/gguf.md":              "ggml's repository (docs/engine.md cites its GGUF spec)",
	"docs/metrics_reference.md": "AIPerf's repository (docs/metrics.md cites it)",
	"prices/gpu_hourly.yaml":    "tgarg01/silybench-data (docs/prices.md cites its source file)",
}

// docFiles are README.md and docs/*.md.
func docFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("docs/*.md: %v", err)
	}
	return append([]string{filepath.Join(repoRoot, "README.md")}, files...)
}

// docPaths are the repository paths a doc names: relative link targets
// (resolved against the doc's folder), and backticked text outside code
// blocks that looks like a path and starts with one of the repository's
// top-level entries (so output names like runs/first are not taken).
func docPaths(doc string, text string, top map[string]bool) []string {
	var paths []string
	for _, m := range markdownLink.FindAllStringSubmatch(text, -1) {
		target, _, _ := strings.Cut(m[1], "#")
		if target == "" || strings.Contains(target, ":") {
			continue // an anchor in the same page, a URL, mailto:
		}
		rel, err := filepath.Rel(repoRoot, filepath.Join(filepath.Dir(doc), target))
		if err == nil {
			paths = append(paths, filepath.ToSlash(rel))
		}
	}
	prose := fence.ReplaceAllString(text, "")
	for _, m := range inlineCode.FindAllStringSubmatch(prose, -1) {
		p := regexp.MustCompile(`:\d+$`).ReplaceAllString(m[1], "") // file:line
		if !repoPath.MatchString(p) || !strings.Contains(p, "/") {
			continue // not a path, or a bare name (report.md, an output)
		}
		first, _, _ := strings.Cut(p, "/")
		if !top[first] {
			continue
		}
		paths = append(paths, strings.TrimSuffix(p, "/"))
	}
	return paths
}

// TestDocsPathsExist: every repository path README.md and docs/ name
// exists, except the outputs of docOutputs.
func TestDocsPathsExist(t *testing.T) {
	entries, err := os.ReadDir(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	top := map[string]bool{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			top[e.Name()] = true
		}
	}
	checked := 0
	for _, doc := range docFiles(t) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := filepath.Rel(repoRoot, doc)
		for _, p := range docPaths(doc, string(b), top) {
			if _, ok := docOutputs[p]; ok {
				continue
			}
			checked++
			if _, err := os.Stat(filepath.Join(repoRoot, p)); err != nil {
				t.Errorf("%s names %s, which is not in the repository", name, p)
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d paths found in the docs; the extraction lost some", checked)
	}
}

// An example block of README.md: the commands of one ```sh block.
type readmeBlock struct {
	line int    // of the fence
	skip string // why it is not run (the marker's reason), or ""
	cmds [][]string
}

var (
	skipMarker = regexp.MustCompile(`<!-- example: skip \((.+)\) -->\s*$`)
	namedYAML  = regexp.MustCompile(`^# ([A-Za-z0-9_.-]+\.ya?ml)\b`)
)

// readmeExamples reads README.md's ```sh blocks (their inferbench
// commands, continuation lines joined) and the ```yaml blocks whose first
// line is a comment naming a file (written there before the commands run).
func readmeExamples(t *testing.T) (blocks []readmeBlock, files map[string]string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	files = map[string]string{}
	for i := 0; i < len(lines); i++ {
		lang, ok := strings.CutPrefix(lines[i], "```")
		if !ok || lang == "" {
			continue
		}
		start := i
		var body []string
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			body = append(body, lines[i])
		}
		switch lang {
		case "yaml":
			if m := namedYAML.FindStringSubmatch(body[0]); m != nil {
				files[m[1]] = strings.Join(body, "\n") + "\n"
			}
		case "sh":
			blk := readmeBlock{line: start + 1}
			for j := start - 1; j >= 0 && j >= start-2; j-- {
				if m := skipMarker.FindStringSubmatch(lines[j]); m != nil {
					blk.skip = m[1]
				}
			}
			joined := strings.ReplaceAll(strings.Join(body, "\n"), "\\\n", " ")
			for _, l := range strings.Split(joined, "\n") {
				l, _, _ = strings.Cut(l, " #") // a trailing comment
				fields := strings.Fields(l)
				if len(fields) == 0 || (fields[0] != "inferbench" && fields[0] != "bin/inferbench") {
					continue // make, export, comments
				}
				blk.cmds = append(blk.cmds, fields[1:])
			}
			if len(blk.cmds) > 0 {
				blocks = append(blocks, blk)
			}
		}
	}
	return blocks, files
}

// bounded caps an example's request counts so it runs in seconds: at most
// 6 measured and 2 warm-up requests.
func bounded(args []string) []string {
	out := slices.Clone(args)
	for i := 0; i+1 < len(out); i++ {
		var limit int
		switch out[i] {
		case "--requests":
			limit = 6
		case "--warmup":
			limit = 2
		default:
			continue
		}
		var n int
		if _, err := fmt.Sscan(out[i+1], &n); err == nil && n > limit {
			out[i+1] = fmt.Sprint(limit)
		}
	}
	return out
}

// TestREADMEExamples runs README.md's example commands in process, in a
// temporary folder, against the simulator: a `sim` command is served on a
// free loopback port that replaces its --listen address in the block's
// later commands; request counts are capped (bounded). A block needing a
// real API key or the network is skipped by its marker,
// `<!-- example: skip (reason) -->` on the line before its fence.
func TestREADMEExamples(t *testing.T) {
	blocks, files := readmeExamples(t)
	ran := 0
	for _, blk := range blocks {
		t.Run(fmt.Sprintf("line%d", blk.line), func(t *testing.T) {
			if blk.skip != "" {
				t.Skipf("README.md:%d: %s", blk.line, blk.skip)
			}
			dir := t.TempDir()
			t.Chdir(dir)
			for name, body := range files {
				if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			addrs := map[string]string{}
			for _, args := range blk.cmds {
				args = bounded(args)
				for i := range args {
					for from, to := range addrs {
						args[i] = strings.ReplaceAll(args[i], from, to)
					}
				}
				cmd := "inferbench " + strings.Join(args, " ")
				if args[0] == "sim" {
					var rest []string
					listen := ""
					for i := 1; i < len(args); i++ {
						if args[i] == "--listen" && i+1 < len(args) {
							listen = args[i+1]
							i++
							continue
						}
						if args[i] != "&" {
							rest = append(rest, args[i])
						}
					}
					url, _, _ := startSim(t, ctx, nil, rest...)
					addrs[listen] = strings.TrimPrefix(url, "http://")
					continue
				}
				e, stdout, stderr := testEnv(map[string]string{"OPENAI_API_KEY": "sk-readme-test"})
				if code := dispatch(ctx, e, args); code != exitOK {
					t.Fatalf("README.md:%d: %s: exit %d\nstdout: %s\nstderr: %s", blk.line, cmd, code, stdout, stderr)
				}
				ran++
			}
		})
	}
	if ran == 0 && !t.Failed() {
		t.Error("no README example ran")
	}
}

// TestDocsGoldenExcerpts: a code block after `<!-- golden: PATH -->` is
// an excerpt of the golden file PATH, copied verbatim, so a regenerated
// golden file fails here until the doc's copy follows it.
func TestDocsGoldenExcerpts(t *testing.T) {
	marker := regexp.MustCompile("(?s)<!-- golden: (\\S+) -->\n```[^\n]*\n(.*?)\n```")
	n := 0
	for _, doc := range docFiles(t) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range marker.FindAllSubmatch(b, -1) {
			n++
			golden, err := os.ReadFile(filepath.Join(repoRoot, string(m[1])))
			if err != nil {
				t.Errorf("%s: %v", doc, err)
				continue
			}
			if !bytes.Contains(golden, m[2]) {
				t.Errorf("%s: the excerpt of %s is not in it (regenerate the excerpt from the golden file)", filepath.Base(doc), m[1])
			}
		}
	}
	if n == 0 {
		t.Error("no golden excerpt found (docs/cost.md has one)")
	}
}

// TestDemoHelpNamesItsDirectory: the folder `demo -h` says a demo writes
// is the one it writes (issue 16: it named another pattern).
func TestDemoHelpNamesItsDirectory(t *testing.T) {
	help := helpText(t, []string{"demo"})
	m := regexp.MustCompile(`writes demo-runs/(\S+)/`).FindStringSubmatch(help)
	if m == nil {
		t.Fatalf("demo -h names no directory:\n%s", help)
	}
	// YYYYMMDDTHHMMSSZ-demo-XXXXXX as a pattern: letters are placeholders
	// (X a hex digit), the rest literal.
	var re strings.Builder
	for _, part := range regexp.MustCompile(`YYYYMMDD|HHMMSS|X+|[^YHX]+`).FindAllString(m[1], -1) {
		switch {
		case part == "YYYYMMDD":
			re.WriteString(`\d{8}`)
		case part == "HHMMSS":
			re.WriteString(`\d{6}`)
		case strings.Trim(part, "X") == "":
			fmt.Fprintf(&re, `[0-9a-f]{%d}`, len(part))
		default:
			re.WriteString(regexp.QuoteMeta(part))
		}
	}
	out := t.TempDir()
	e, _, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"demo", "--quiet", "--requests", "3", "--time-scale", "0.01", "--out", out}); code != exitOK {
		t.Fatalf("demo: exit %d: %s", code, stderr)
	}
	entries, err := os.ReadDir(out)
	if err != nil || len(entries) != 1 {
		t.Fatalf("demo wrote %v (%v), want one folder", entries, err)
	}
	if got := entries[0].Name(); !regexp.MustCompile(`^` + re.String() + `$`).MatchString(got) {
		t.Errorf("demo wrote %s; demo -h says %s", got, m[1])
	}
	for _, f := range []string{"report.md", "report.json", "report.html"} {
		if _, err := os.Stat(filepath.Join(out, entries[0].Name(), f)); err != nil {
			t.Errorf("demo -h and docs/commands.md say the folder holds %s: %v", f, err)
		}
	}
}
