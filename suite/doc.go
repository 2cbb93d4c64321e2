// Package suite is the one path from a declared run to a bench plan, and
// the suite file that declares a whole comparison.
//
// A Run says what to send to which target, how hard, where to write it,
// what to sample alongside and at what price. `inferbench run` fills one
// from its flags and a suite file fills one per target; Build turns it
// into a bench.Plan (or a bench.SweepPlan): it merges a targets file's
// entry with the settings given, loads the workload, builds the target,
// resolves the price, and reports every problem at once. Settings names
// each setting once for both ways of giving it (a flag, a YAML key), so
// they parse and fail alike.
//
// A Suite (ReadFile, Parse) is a YAML file: a name, a workload, a load,
// an SLO, volumes, targets (each a targets-file entry, a preset, or a
// simulator served in process, with its own load if it likes), gates
// (requirements in the --fail-on grammar) and fail_on expressions, a
// scorecard plan and a component matrix. Plan
// checks it with every problem at its file:line; Execute runs its
// targets one after another or at once; Report writes the side-by-side
// report beside the runs.
//
// suite imports bench, targets (and targets/sim, targets/targetspec),
// workloads, prices, results, reports (and its compose, decide and
// threshold packages), simhost, livemetrics and internal/suggest; only
// cmd imports it. It never prints: it writes to the
// io.Writers and calls the Log functions it is given.
package suite
