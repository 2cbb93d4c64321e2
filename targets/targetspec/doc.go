// Package targetspec declares targets: what a user writes in a targets
// file or on the run flags, before anything is sent. It owns the Spec of a
// target and its checks (Spec.Resolve: every problem at once, as
// FieldErrors at their YAML keys), the provider and engine presets
// (presets.go: protocol, base URL, key variable, headers), the wire
// protocol names (Protocols), the model-family rules table
// (data/model_families.yaml, read by family.go: token-limit field,
// sampling, system message, each rule with its source) and the Rules a
// spec follows, the protocol rules a spec is checked against
// (protocol.go: Anthropic's thinking budget, the Responses API's
// reasoning effort, the output tokenizer), reading targets files
// (LoadFile, ParseFile, FindSpec) and what a run's manifest says of a
// target (Spec.Info). docs/targets.md is the user's reference.
//
// Imports: workloads (temperature bounds, tokenizer names), results
// (TargetInfo, URL redaction) and prices (a spec's own price); nothing
// that sends a request. The targets package builds a Spec into a Target
// (targets.New) and its wires read the rules from here; suite and
// cmd/inferbench read targets files through it.
package targetspec
