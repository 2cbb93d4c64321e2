package suite

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/targets/targetspec"
	"github.com/inferbench/inferbench/workloads"
)

// Setting is one setting of a run, named once for both ways of giving
// it: a flag of `inferbench run` and a key of a suite file. The flag and
// the key read the same field with the same parser, so a value means the
// same thing and is wrong for the same reason in both; a plan's problems
// name the setting by its ID, which each renders as the user wrote it.
type Setting struct {
	// Flag is the flag's name ("" = a suite key only).
	Flag string
	// Key is the suite file's key within Block ("" = a flag only); a
	// spec key may be dotted (timeouts.idle).
	Key string
	// Block is where Key goes in a suite file: "workload" and "load" (at
	// the top, or a target's load: for "load"), "target" (a target's own
	// key), or "spec" (a target's key that a targets file has too, read
	// into targetspec.Spec).
	Block string
	Usage string
	field func(r *Run) any
}

// ID names the setting in problems and Run.Given: the flag, else the key.
func (s Setting) ID() string {
	if s.Flag != "" {
		return s.Flag
	}
	return s.Key
}

// Field is the setting's field of r: a *string, *int, *int64, *uint64,
// *bool, *float64, *time.Duration, or a flag-style value (Set(string)
// error and String() string; IsBoolFlag() for switches).
func (s Setting) Field(r *Run) any { return s.field(r) }

// Settings are every setting of a run.
var Settings = []Setting{
	// The target: flags; a suite target gives the spec keys directly.
	{"base-url", "base_url", "spec", "API base URL, including the version (/v1); optional with a --preset that has one", func(r *Run) any { return &r.Target.Spec.BaseURL }},
	{"model", "model", "spec", "model name sent in requests (required unless --targets gives it)", func(r *Run) any { return &r.Target.Spec.Model }},
	{"api-key-env", "api_key_env", "spec", "environment variable holding the API key (the key is never written anywhere)", func(r *Run) any { return &r.Target.Spec.APIKeyEnv }},
	{"target-name", "name", "spec", "name of the target in results and reports (default: the URL's host)", func(r *Run) any { return &r.Target.Spec.Name }},
	{"kind", "kind", "spec", "target kind: api, managed or self-hosted (default self-hosted for loopback URLs, else api)", func(r *Run) any { return &r.Target.Spec.Kind }},
	{"provider", "provider", "spec", "provider label, e.g. openai, together, vllm", func(r *Run) any { return &r.Target.Spec.Provider }},
	{"temperature", "temperature", "spec", "sampling temperature sent with every request (0 is sent as 0)", func(r *Run) any { return optFloat{&r.Target.Spec.Temperature} }},
	{"no-usage", "include_usage", "spec", "do not send stream_options.include_usage (for servers that reject it)", func(r *Run) any { return noUsage{&r.Target.Spec.IncludeUsage} }},
	{"max-tokens-field", "max_tokens_field", "spec", "field OpenAI chat sends the token limit as: max_tokens or max_completion_tokens (default: the model family's, else the workload's own, else max_tokens)", func(r *Run) any { return &r.Target.Spec.MaxTokensField }},
	{"strict-fields", "strict_fields", "spec", "refuse a run whose workload carries request fields the target's protocol or model does not take, instead of sending the requests without them", func(r *Run) any { return &r.Target.Spec.StrictFields }},
	{"count-tokenizer", "count_tokenizer", "spec", "tokenizer that counts the output of a response without usage from its text: " + strings.Join(workloads.TokenizerNames, ", ") + " (default " + targetspec.DefaultCountTokenizer + "), or " + targetspec.NoCountTokenizer + " to count content events", func(r *Run) any { return &r.Target.Spec.CountTokenizer }},
	{"preset", "preset", "spec", "provider or engine preset: " + strings.Join(targetspec.PresetNames(), ", "), func(r *Run) any { return &r.Target.Spec.Preset }},
	{"protocol", "protocol", "spec", "wire protocol: " + strings.Join(targetspec.Protocols, ", ") + " (default: the preset's, else openai-chat)", func(r *Run) any { return &r.Target.Spec.Protocol }},
	{"retries", "retries.max", "spec", "retry a request up to N times on 429, 5xx or connect errors, honouring Retry-After (default 0: off)", func(r *Run) any { return &r.Target.Spec.Retries.Max }},
	{"insecure", "insecure", "spec", "do not verify TLS certificates (self-signed engines only)", func(r *Run) any { return &r.Target.Spec.Insecure }},
	{"connect-timeout", "timeouts.connect", "spec", "timeout for dialing and the TLS handshake (0: none)", func(r *Run) any { return &r.Target.Spec.Timeouts.Connect }},
	{"first-token-timeout", "timeouts.first_token", "spec", "timeout from send to the first content or reasoning token (0: none)", func(r *Run) any { return &r.Target.Spec.Timeouts.FirstToken }},
	{"idle-timeout", "timeouts.idle", "spec", "longest silence between chunks once the first token arrived (0: none)", func(r *Run) any { return &r.Target.Spec.Timeouts.Idle }},
	{"targets", "", "", "targets file (YAML) declaring targets; pick one with --target", func(r *Run) any { return &r.Target.File }},
	{"target", "", "", "name of the target in --targets to run against", func(r *Run) any { return &r.Target.Name }},

	// What to send.
	{"workload", "path", "workload", `workload file (any supported format, see docs/workloads.md), or "sample" for the bundled sample`, func(r *Run) any { return &r.Workload.Path }},
	{"workload-format", "format", "workload", "workload file format: " + workloads.FormatNames() + " (default: detected)", func(r *Run) any { return &r.Workload.Format }},
	{"tokenizer", "tokenizer", "workload", "tokenizer that synthesised prompts of length-only traces are exact under: " + strings.Join(workloads.TokenizerNames, ", "), func(r *Run) any { return &r.Workload.Import.Tokenizer }},
	{"workload-seed", "seed", "workload", "seed of synthesised prompt text", func(r *Run) any { return &r.Workload.Import.Seed }},
	{"keep-failed", "keep_failed", "workload", "replay rows a trace records as failed (BurstGPT Response tokens 0)", func(r *Run) any { return &r.Workload.Import.KeepFailed }},
	{"skip-invalid", "skip_invalid", "workload", "skip and count malformed workload rows instead of stopping", func(r *Run) any { return &r.Workload.Import.SkipInvalid }},
	{"output-len", "output_len", "workload", "output tokens each request asks for (max_tokens): max (its own), observed (what the recorded upstream answered it, with ignore_eos and min_tokens where the target takes engine-only fields), or a number for every request", func(r *Run) any { return &r.Workload.OutputLen }},
	{"sessions", "sessions", "workload", "send requests sharing a session_id as conversations in turn order: the load starts each session, and each later turn waits for the previous answer (+ think time)", func(r *Run) any { return &r.Load.Sessions }},
	{"think-time", "think_time", "workload", "with sessions: pause between a turn's answer and the session's next turn", func(r *Run) any { return &r.Load.ThinkTime }},

	// How hard and how long.
	{"rate", "rate", "load", "open-loop arrival rate, e.g. 5/s, 300/m or 2.5; a list (1/s,2/s,4/s) sweeps: one run per rate, in order", func(r *Run) any { return &r.Load.Rates }},
	{"arrival", "arrival", "load", "arrival process for a rate: poisson, constant or gamma:CV", func(r *Run) any { return &r.Load.Arrival }},
	{"seed", "seed", "load", "seed of random arrivals (same seed, same schedule)", func(r *Run) any { return &r.Load.Seed }},
	{"concurrency", "concurrency", "load", "closed loop: N virtual users, each sending when its last request finished; a list (1,2,4,8) sweeps: one run per level, in order", func(r *Run) any { return &r.Load.Concurrency }},
	{"replay", "replay", "load", "replay the workload's at_ms arrival offsets", func(r *Run) any { return &r.Load.Replay }},
	{"time-scale", "time_scale", "load", "replay speed factor: 0.1 replays ten times faster", func(r *Run) any { return &r.Load.TimeScale }},
	{"requests", "requests", "load", "measured requests to send (default: one pass over the workload, or unlimited with a duration)", func(r *Run) any { return &r.Load.Requests }},
	{"duration", "duration", "load", "stop scheduling after this long (e.g. 2m)", func(r *Run) any { return &r.Load.Duration }},
	{"warmup", "warmup", "load", "warm-up requests sent first, recorded with warmup=true and left out of reports", func(r *Run) any { return &r.Load.Warmup }},
	{"max-inflight", "max_inflight", "load", "cap on concurrent requests in open loop (0 = none); delays show as schedule lag", func(r *Run) any { return &r.Load.MaxInFlight }},
	{"spin-wait", "spin_wait", "load", "busy-wait this long before each open-loop send for sub-millisecond precision; costs CPU and can starve requests on a busy machine (0 = timers only)", func(r *Run) any { return &r.Load.SpinWait }},
	{"timeout", "timeout", "load", "total timeout of one request", func(r *Run) any { return &r.Load.RequestTimeout }},
	{"drain-timeout", "drain_timeout", "load", "how long in-flight requests may finish after scheduling stops", func(r *Run) any { return &r.Load.DrainTimeout }},
	{"sweep-pause", "sweep_pause", "load", "pause between the runs of a sweep", func(r *Run) any { return &r.Load.SweepPause }},
	{"max-error-rate", "max_error_rate", "load", "fail the run (exit 1) when more than this share of its measured requests failed, as a fraction (0.05) or a percentage (5%); off by default (a run in which no request succeeded fails anyway)", func(r *Run) any { return optFraction{&r.Load.MaxErrorRate} }},
	{"no-probe", "no_probe", "load", "skip the probe: one request sent before the load that stops the run with the server's message when the target refuses it", func(r *Run) any { return &r.Load.NoProbe }},
	{"saturate", "saturate", "target", "with a sweep: stop at the first level where fewer than 90% of requests meet the SLO, and name the highest level that met it", func(r *Run) any { return &r.Load.Saturate }},

	// Where it goes.
	{"out", "", "", "results directory; the run is written to DIR/RUN_ID (required)", func(r *Run) any { return &r.Outputs.Dir }},
	{"run-id", "", "", "name of the run (default: UTC time, target and a random suffix)", func(r *Run) any { return &r.Outputs.RunID }},
	{"shard", "", "", "run shard I of N (0-based) of a run split across load generators: keeps the workload's requests whose index % N == I (whole conversations with --sessions) and writes DIR/RUN_ID-shard-I-of-N; needs --run-id", func(r *Run) any { return shardValue{&r.Outputs.Shard} }},
	{"start-at", "", "", "wait until this RFC 3339 wall-clock time before starting (at most 1h ahead; up to 1m in the past starts at once, lateness shows as schedule lag), so shards start together", func(r *Run) any { return &r.Outputs.StartAt }},
	{"part-rows", "", "", "start a new Parquet part after this many rows", func(r *Run) any { return &r.Outputs.PartRows }},
	{"part-interval", "", "", "close the open Parquet part after this long, so a crash loses at most that much", func(r *Run) any { return &r.Outputs.PartInterval }},

	// What to sample alongside.
	{"gpu-metrics", "gpu_metrics", "target", "scrape this DCGM-style GPU metrics URL (dcgm-exporter, inferbench agent, inferbench sim's /gpu/metrics) into gpu.parquet", func(r *Run) any { return &r.Telemetry.GPUMetricsURL }},
	{"server-metrics", "server_metrics", "target", "scrape the engine's Prometheus /metrics URL into server_metrics.parquet (vLLM, SGLang, TGI, llama.cpp names understood)", func(r *Run) any { return &r.Telemetry.ServerMetricsURL }},
	{"nvml", "nvml", "target", "sample this host's NVIDIA GPUs through NVML into gpu.parquet", func(r *Run) any { return &r.Telemetry.NVML }},
	{"telemetry-interval", "telemetry_interval", "target", "interval between telemetry samples", func(r *Run) any { return &r.Telemetry.Interval }},

	// At what price.
	{"price-in", "", "", "USD per 1M input tokens (for cost_usd and the manifest's price snapshot)", func(r *Run) any { return &r.Price.Explicit.InputPer1M }},
	{"price-cached", "", "", "USD per 1M cached input tokens (default: --price-in)", func(r *Run) any { return &r.Price.Explicit.CachedInputPer1M }},
	{"price-out", "", "", "USD per 1M output tokens", func(r *Run) any { return &r.Price.Explicit.OutputPer1M }},
	{"gpu-hourly", "", "", "USD per hour for all GPUs of a self-hosted target", func(r *Run) any { return &r.Price.Explicit.GPUHourly }},
	{"price-provider", "", "", "look up per-token prices for the model at this provider in the price catalogue (default: the target's; see 'inferbench prices')", func(r *Run) any { return &r.Price.Provider }},
	{"gpus", "gpus", "target", "GPUs of a self-hosted target, TYPE:COUNT[:OFFER], e.g. H100-SXM-80GB:2:aws-on-demand; the offer's catalogue price sets the hourly price", func(r *Run) any { return gpusValue{&r.Price.GPUs} }},
	{"prices", "", "", "JSON file of prices that add to or replace price-catalogue entries (docs/prices.md)", func(r *Run) any { return &r.Price.Catalog }},
}

// lookupSetting finds the setting of an ID.
func lookupSetting(id string) (Setting, bool) {
	i := slices.IndexFunc(Settings, func(s Setting) bool { return s.ID() == id })
	if i < 0 {
		return Setting{}, false
	}
	return Settings[i], true
}

// settingKey finds the setting of a suite key in a block.
func settingKey(block, key string) (Setting, bool) {
	i := slices.IndexFunc(Settings, func(s Setting) bool { return s.Block == block && s.Key == key })
	if i < 0 {
		return Setting{}, false
	}
	return Settings[i], true
}

// blockKeys lists the keys of a block, for "known keys" hints.
func blockKeys(block string) []string {
	var keys []string
	for _, s := range Settings {
		if s.Block == block && s.Key != "" {
			keys = append(keys, s.Key)
		}
	}
	return keys
}

// copySetting copies the setting's field from src to dst.
func copySetting(s Setting, dst, src *Run) {
	ptr := func(v any) reflect.Value {
		if w, ok := v.(interface{ ptr() any }); ok {
			v = w.ptr()
		}
		return reflect.ValueOf(v).Elem()
	}
	ptr(s.Field(dst)).Set(ptr(s.Field(src)))
}

// optFloat is a float that may be absent (nil): given, even 0 is sent.
type optFloat struct{ p **float64 }

func (o optFloat) ptr() any { return o.p }

func (o optFloat) String() string {
	if o.p == nil || *o.p == nil {
		return ""
	}
	return strconv.FormatFloat(**o.p, 'g', -1, 64)
}

func (o optFloat) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return &valueError{s, "want a number"}
	}
	*o.p = &v
	return nil
}

// Fraction is a share from 0 to 1 given as a percentage (2%, 90%) or a
// fraction (0.02, 0.9): run's --max-error-rate, compare's --min-effect,
// report's --slo-attainment.
type Fraction float64

func (f *Fraction) String() string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(float64(*f)*100, 'g', -1, 64) + "%"
}

// Set parses a percentage or a fraction.
func (f *Fraction) Set(s string) error {
	s = strings.TrimSpace(s)
	scale := 1.0
	if t, ok := strings.CutSuffix(s, "%"); ok {
		s, scale = t, 0.01
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v*scale >= 0 && v*scale <= 1) {
		return fmt.Errorf("%q: want a percentage like 2%% or a fraction like 0.02", s)
	}
	*f = Fraction(v * scale)
	return nil
}

// optFraction is a Fraction that may be absent (nil: off).
type optFraction struct{ p **float64 }

func (o optFraction) ptr() any { return o.p }

func (o optFraction) String() string {
	if o.p == nil || *o.p == nil {
		return ""
	}
	return (*Fraction)(*o.p).String()
}

func (o optFraction) Set(s string) error {
	var f Fraction
	if err := f.Set(s); err != nil {
		return err
	}
	v := float64(f)
	*o.p = &v
	return nil
}

// noUsage is the switch that turns include_usage off.
type noUsage struct{ p **bool }

func (n noUsage) ptr() any         { return n.p }
func (n noUsage) IsBoolFlag() bool { return true }

func (n noUsage) String() string {
	if n.p == nil || *n.p == nil {
		return "false"
	}
	return strconv.FormatBool(!**n.p)
}

func (n noUsage) Set(s string) error {
	off, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	if off {
		f := false
		*n.p = &f
	} else {
		*n.p = nil
	}
	return nil
}

// shardValue is I/N (workloads.ParseShard).
type shardValue struct{ p *workloads.Shard }

func (s shardValue) ptr() any { return s.p }

func (s shardValue) String() string {
	if s.p == nil {
		return ""
	}
	return s.p.String()
}

func (s shardValue) Set(v string) (err error) {
	*s.p, err = workloads.ParseShard(v)
	return err
}

// gpusValue is TYPE:COUNT[:OFFER] (prices.ParseGPUSpec).
type gpusValue struct{ p *prices.GPUSpec }

func (g gpusValue) ptr() any { return g.p }

func (g gpusValue) String() string {
	if g.p == nil {
		return ""
	}
	return g.p.String()
}

func (g gpusValue) Set(v string) (err error) {
	*g.p, err = prices.ParseGPUSpec(v)
	return err
}

// valueError is a bad value for a setting.
type valueError struct{ value, msg string }

func (e *valueError) Error() string { return strconv.Quote(e.value) + ": " + e.msg }

// setValue sets a setting's field from text as the flag package reads a
// flag of its type (strconv, time.ParseDuration, or the value's own Set),
// so a suite key and the flag of the same setting take the same values.
func setValue(field any, s string) error {
	var err error
	want := "want a whole number"
	switch p := field.(type) {
	case interface{ Set(string) error }:
		return p.Set(s)
	case *string:
		*p = s
	case *int:
		var v int64
		if v, err = strconv.ParseInt(s, 0, strconv.IntSize); err == nil {
			*p = int(v)
		}
	case *int64:
		var v int64
		if v, err = strconv.ParseInt(s, 0, 64); err == nil {
			*p = v
		}
	case *uint64:
		var v uint64
		if v, err = strconv.ParseUint(s, 0, 64); err == nil {
			*p = v
		}
	case *bool:
		var v bool
		want = "want true or false"
		if v, err = strconv.ParseBool(s); err == nil {
			*p = v
		}
	case *float64:
		var v float64
		want = "want a number"
		if v, err = strconv.ParseFloat(s, 64); err == nil {
			*p = v
		}
	case *time.Duration:
		var v time.Duration
		want = "want a duration like 500ms or 2m"
		if v, err = time.ParseDuration(s); err == nil {
			*p = v
		}
	default:
		return fmt.Errorf("no parser for a %T", field)
	}
	if err != nil {
		return &valueError{s, want}
	}
	return nil
}
