package main

import (
	"bytes"
	"context"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// chromium finds a headless-capable Chromium: $INFERBENCH_CHROMIUM, else
// Debian's chromium on the PATH.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("INFERBENCH_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed, skipping the browser test " +
		"(install it with: apt-get update && apt-get install -y chromium, or set INFERBENCH_CHROMIUM)")
	return ""
}

// browse opens file in headless Chromium with extra flags and returns its
// stdout and the console messages it logged. Each call has its own
// profile, and nothing is fetched beyond the file.
func browse(t *testing.T, bin, file string, extra ...string) (stdout []byte, console []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
	}, extra...)
	args = append(args, "file://"+file)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", extra, err, errb.String())
	}
	// Console messages, CSP violations and uncaught exceptions are all
	// logged as ...:CONSOLE(...)] lines.
	for _, l := range strings.Split(errb.String(), "\n") {
		if strings.Contains(l, ":CONSOLE") || strings.Contains(l, "Uncaught") {
			console = append(console, l)
		}
	}
	return out.Bytes(), console
}

// renderedDOM opens page in headless Chromium and returns the DOM it
// rendered, failing the test on any console message (an error, or a CSP
// violation: the page tried to load or run something).
func renderedDOM(t *testing.T, bin, page string) *html.Node {
	t.Helper()
	dom, console := browse(t, bin, page, "--dump-dom")
	for _, l := range console {
		t.Errorf("console: %s", l)
	}
	doc, err := html.Parse(bytes.NewReader(dom))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// checkScreenshot decodes a PNG and checks it is the window's size and
// not blank, and returns its top-left pixel (the page background).
func checkScreenshot(t *testing.T, path string, w, h int) color.Color {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != w || b.Dy() != h {
		t.Errorf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
	colors := map[color.RGBA]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			colors[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)] = true
		}
	}
	// Text, tables and coloured series give hundreds of shades; a blank
	// or error page a handful.
	if len(colors) < 100 {
		t.Errorf("screenshot has %d colours: blank page?", len(colors))
	}
	return img.At(b.Min.X+2, b.Min.Y+2)
}

func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xffff
}

// TestReportHTMLInChromium renders the demo's HTML report in headless
// Chromium: no console errors (the page's CSP would log any attempt to
// load or run something), a screenshot that is a real page in light and
// in dark mode, and charts in the rendered DOM that carry data.
func TestReportHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	runs := filepath.Join(dir, "runs")
	e, _, errb := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"demo", "--requests", "30", "--time-scale", "0.02", "--quiet", "--out", runs}); code != exitOK {
		t.Fatalf("demo exit %d: %s", code, errb.String())
	}
	demoDirs, _ := filepath.Glob(filepath.Join(runs, "*"))
	if len(demoDirs) != 1 {
		t.Fatalf("demo wrote %v", demoDirs)
	}
	page := filepath.Join(dir, "report.html")
	e, _, errb = testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"report", demoDirs[0], "--format", "html", "--slo", "ttft=1s", "--out", page}); code != exitOK {
		t.Fatalf("report exit %d: %s", code, errb.String())
	}

	// The scan for console errors must be able to fail: a page with a
	// script error shows up.
	bad := filepath.Join(dir, "bad.html")
	if err := os.WriteFile(bad, []byte(`<!DOCTYPE html><body><script>undefinedFn()</script>`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, console := browse(t, bin, bad, "--dump-dom"); len(console) == 0 {
		t.Error("a page with an uncaught error logged nothing: the console scan is blind")
	}

	const w, h = 1280, 2000
	light := filepath.Join(dir, "light.png")
	_, console := browse(t, bin, page, "--screenshot="+light, "--window-size="+strconv.Itoa(w)+","+strconv.Itoa(h))
	for _, l := range console {
		t.Errorf("console: %s", l)
	}
	bgLight := checkScreenshot(t, light, w, h)

	dark := filepath.Join(dir, "dark.png")
	browse(t, bin, page, "--force-dark-mode", "--screenshot="+dark, "--window-size="+strconv.Itoa(w)+","+strconv.Itoa(h))
	bgDark := checkScreenshot(t, dark, w, h)
	if luminance(bgLight) < 0.9 || luminance(bgDark) > 0.2 {
		t.Errorf("background luminance light %.2f, dark %.2f: colour scheme not followed", luminance(bgLight), luminance(bgDark))
	}

	doc := renderedDOM(t, bin, page)
	charts, series := 0, map[string]int{}
	var walk func(n *html.Node, chart string)
	walk = func(n *html.Node, chart string) {
		if n.Type == html.ElementNode {
			var name, points, id string
			for _, a := range n.Attr {
				switch a.Key {
				case "data-series":
					name = a.Val
				case "data-points":
					points = a.Val
				case "id":
					id = a.Val
				}
			}
			if n.Data == "svg" {
				charts++
				chart = id
			}
			if p, err := strconv.Atoi(points); err == nil && name != "" {
				series[chart+" "+name] = p
			}
			if n.Data == "script" {
				t.Error("the rendered page has a <script>")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, chart)
		}
	}
	walk(doc, "")
	if charts < 4 {
		t.Errorf("%d charts in the rendered page, want TTFT and E2E CDFs and two cost charts", charts)
	}
	// The API and the managed host replay the sample; the self-hosted
	// engine is a concurrency sweep, one run per level ("@ N users"),
	// each of the same 30 requests.
	var levels int
	for name, n := range series {
		if strings.HasPrefix(name, "cdf-ttft self-hosted-sim @ ") {
			levels++
			if n != 30 {
				t.Errorf("%s: %d points, want 30 (one per request)", name, n)
			}
		}
	}
	for _, target := range []string{"api-sim", "managed-sim"} {
		for _, cdf := range []string{"cdf-ttft", "cdf-e2e"} {
			if n := series[cdf+" "+target]; n != 30 {
				t.Errorf("%s %s: %d points, want 30 (one per request)", cdf, target, n)
			}
		}
	}
	if levels == 0 || series["sweep-concurrency-throughput self-hosted-sim"] != levels {
		t.Errorf("%d sweep levels, but the throughput-against-load chart has %d points", levels, series["sweep-concurrency-throughput self-hosted-sim"])
	}
	// The demo samples the simulated GPUs and vLLM metrics of its
	// self-hosted target, at every level.
	if series["saturation-0 self-hosted-sim @ 20 users GPU 0"] < 2 || series["saturation-1 self-hosted-sim @ 20 users running"] < 2 {
		t.Errorf("saturation charts lack the self-hosted target's telemetry: %v", series)
	}
	// The per-token targets are lines; the self-hosted staircase is drawn
	// exactly when the report names a capacity (known or a lower bound),
	// never built on an unknown one.
	e, stdout, errb := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"report", demoDirs[0], "--slo", "ttft=1s"}); code != exitOK {
		t.Fatalf("text report exit %d: %s", code, errb.String())
	}
	unknown := strings.Contains(stdout.String(), "capacity unknown")
	if stairs := series["monthly-cost self-hosted-sim ($5/h a replica)"]; series["monthly-cost api-sim (per token)"] < 1 || unknown != (stairs == 0) {
		t.Errorf("monthly cost chart (capacity unknown: %v): %v", unknown, series)
	}
}

// reportHTML runs `report TMP/runs --format html --out FILE` with the
// extra flags and returns the page, as written and parsed.
func reportHTML(t *testing.T, tmp string, extra ...string) ([]byte, *html.Node) {
	t.Helper()
	out := filepath.Join(tmp, "report.html")
	e, stdout, errb := testEnv(nil)
	if code := dispatch(t.Context(), e, append([]string{"report", filepath.Join(tmp, "runs"), "--format", "html", "--out", out}, extra...)); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if stdout.String() != "" || !strings.Contains(errb.String(), "wrote "+out) {
		t.Errorf("stdout %q, stderr %q", stdout.String(), errb.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return b, doc
}

// TestReportHTMLFile checks `report --format html` without a browser, so
// it runs everywhere: one self-contained file that references nothing
// outside itself (no src, no external href, no @import or url() but
// the page's own #fragments).
func TestReportHTMLFile(t *testing.T) {
	b, doc := reportHTML(t, reportFixture(t), "--slo", "ttft=50ms")
	var svgs int
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Data == "svg" {
				svgs++
			}
			for _, a := range n.Attr {
				switch {
				case a.Key == "src":
					t.Errorf("<%s src=%q>: loads something", n.Data, a.Val)
				case a.Key == "href" && !strings.HasPrefix(a.Val, "#"):
					t.Errorf("<%s href=%q>: links out", n.Data, a.Val)
				}
			}
			if n.Data == "style" && n.FirstChild != nil {
				css := n.FirstChild.Data
				if strings.Contains(css, "@import") || strings.Contains(strings.ReplaceAll(css, "url(#", ""), "url(") {
					t.Error("the stylesheet loads something")
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if svgs < 2 {
		t.Errorf("%d charts", svgs)
	}
	for _, want := range []string{`data-series="sim-api"`, `data-series="vllm-h100"`, "Content-Security-Policy", "prefers-color-scheme:dark", "@media print"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("page lacks %s", want)
		}
	}
}

// TestReportHTMLDecision checks the decision flags reach the HTML report:
// its Decision section has the tables of the text report, titled alike
// (projection volume, month hours and scorecard included).
func TestReportHTMLDecision(t *testing.T) {
	tmp := reportFixture(t)
	flags := []string{"--slo", "ttft=50ms", "--volume", "100M:20M", "--scorecard", "default", "--month-hours", "730", "--slo-attainment", "80%"}
	e, stdout, errb := testEnv(nil)
	if code := dispatch(t.Context(), e, append([]string{"report", filepath.Join(tmp, "runs")}, flags...)); code != exitOK {
		t.Fatalf("text: exit %d: %s", code, errb.String())
	}
	var want []string
	for _, l := range strings.Split(stdout.String(), "\n") {
		for _, p := range []string{"Cost comparison", "Sweep of", "Monthly projection", "Build-vs-buy"} {
			if strings.HasPrefix(l, p) {
				want = append(want, l)
			}
		}
	}
	if len(want) < 3 || !strings.Contains(strings.Join(want, "\n"), "100M:20M tokens (input:output), 730 h") {
		t.Fatalf("text report's decision titles: %q", want)
	}

	_, doc := reportHTML(t, tmp, flags...)
	var got []string
	var walk func(n *html.Node, in bool)
	walk = func(n *html.Node, in bool) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				in = in || (a.Key == "id" && a.Val == "decision")
			}
			if in && n.Data == "h3" && n.FirstChild != nil && n.FirstChild.Data != "Notes" {
				got = append(got, n.FirstChild.Data)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, in)
		}
	}
	walk(doc, false)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("HTML Decision tables:\n%s\nwant the text report's:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
