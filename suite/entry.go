package suite

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/inferbench/inferbench/simhost"
	"github.com/inferbench/inferbench/targets/targetspec"
)

// targets reads targets:, each over the suite's run (base) and the lines
// that gave it.
func (p *parser) targets(s *Suite, docs []targetDoc, top *yaml.Node, base Run, baseLines map[string]int) {
	list, _ := valueOf(top, "targets")
	if list == nil || len(docs) == 0 || list.Kind != yaml.SequenceNode {
		p.errf(cmpLine(s.lines["targets"], 1), "targets: give a list of at least one target")
		return
	}
	known := append(yamlKeys(reflect.TypeFor[targetspec.Spec]()), "load", "gpu", "sim")
	known = append(known, blockKeys("target")...)
	seen := map[string]int{}
	for i := range docs {
		d, node := &docs[i], list.Content[i]
		where := fmt.Sprintf("targets[%d]", i)
		if d.Name != "" {
			where += " (" + d.Name + ")"
		}
		e := &Entry{Name: d.Name, Run: base, line: node.Line, node: node, lines: maps.Clone(baseLines)}
		e.Run.Given = maps.Clone(base.Given)
		e.lines["run-id"] = keyLine(node, "name")
		switch prev, dup := seen[d.Name]; {
		case d.Name == "":
			p.errf(node.Line, "%s: name is required (it names the target and its run directory)", where)
		case !validName.MatchString(d.Name):
			p.errf(e.lines["run-id"], "%s: name %q: want letters, digits, '.', '_' and '-' (it names the run directory)", where, d.Name)
		case dup:
			p.errf(e.lines["run-id"], "%s: name %q is already used by the target on line %d", where, d.Name, prev)
		default:
			seen[d.Name] = node.Line
		}
		e.Run.Target.Spec = d.Spec
		e.Run.Outputs.RunID = d.Name
		for j := 0; j+1 < len(node.Content); j += 2 {
			k, v := node.Content[j], node.Content[j+1]
			if _, rest := d.Rest[k.Value]; !rest {
				continue
			}
			st, ok := settingKey("target", k.Value)
			if !ok {
				p.unknown(k, where, known)
				continue
			}
			p.setting(v, st.Field(&e.Run), where+": "+k.Value)
			e.Run.Given[st.ID()], e.lines[st.ID()] = true, k.Line
		}
		if d.Load.Kind != 0 {
			p.targetLoad(&d.Load, e, where)
		}
		if g := d.GPU; g != nil {
			line := keyLine(node, "gpu")
			if g.Count <= 0 || !(g.Hourly > 0) {
				p.errf(line, "%s: gpu: want {count: N, hourly: USD per GPU-hour}, both > 0", where)
			}
			e.Run.Price.Explicit.GPUHourly = float64(g.Count) * g.Hourly
			e.Run.Price.Explicit.Source = fmt.Sprintf("%d GPUs x $%g/GPU-hour (%s)", g.Count, g.Hourly, p.base())
			e.lines["gpu-hourly"] = line
		}
		if d.Sim.Kind != 0 {
			e.Run.Target.Sim = p.sim(&d.Sim, where)
			e.lines["sim"] = keyLine(node, "sim")
		}
		s.Entries = append(s.Entries, e)
	}
}

// targetLoad applies a target's load: over the suite's; a mode given
// (rate, concurrency or replay) replaces the suite's mode.
func (p *parser) targetLoad(n *yaml.Node, e *Entry, where string) {
	for i := 0; i+1 < len(n.Content) && n.Kind == yaml.MappingNode; i += 2 {
		if slices.Contains([]string{"rate", "concurrency", "replay"}, n.Content[i].Value) {
			l := &e.Run.Load
			l.Rates, l.Concurrency, l.Replay = nil, nil, false
			break
		}
	}
	p.settings(n, "load", &e.Run, e.lines, where+": load")
}

// sim reads a target's sim: a preset and simulator settings over it.
func (p *parser) sim(n *yaml.Node, where string) *Sim {
	if n.Kind != yaml.MappingNode {
		p.errf(n.Line, "%s: sim: want a mapping like {preset: self-hosted}", where)
		return nil
	}
	s := &Sim{Given: map[string]bool{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var field any
		switch st, ok := simhost.Lookup(k.Value); {
		case k.Value == "preset":
			field = &s.Preset
		case k.Value == "gpus":
			field = &s.GPUs
		case k.Value == "telemetry":
			field = &s.Telemetry
		case ok && st.Key() == k.Value:
			field = st.Field(&s.Config)
			s.Given[st.Name] = true
		default:
			p.unknown(k, where+": sim", simKeys())
			continue
		}
		p.setting(v, field, where+": sim."+k.Value)
	}
	if s.GPUs < 0 {
		p.errf(n.Line, "%s: sim.gpus: want 1 or more", where)
	}
	if _, _, err := simhost.Config(s.Preset, s.Config, s.Given); err != nil {
		p.errf(n.Line, "%s: sim: %v", where, err)
	}
	return s
}

// keyLine is the line of a dotted key path in a mapping node, or of the
// deepest part of it that exists.
func keyLine(n *yaml.Node, path string) int {
	line := n.Line
	for part := range strings.SplitSeq(path, ".") {
		i := slices.IndexFunc(n.Content, func(c *yaml.Node) bool { return c.Value == part })
		if n.Kind != yaml.MappingNode || i < 0 || i%2 != 0 || i+1 >= len(n.Content) {
			break
		}
		line, n = n.Content[i].Line, n.Content[i+1]
	}
	return line
}

// yamlKeys are the YAML keys of a struct type, inlined structs' included.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case opts == "inline" && f.Type.Kind() == reflect.Struct:
			keys = append(keys, yamlKeys(f.Type)...)
		case name != "" && name != "-":
			keys = append(keys, name)
		}
	}
	return keys
}

func reflectType(v any) reflect.Type { return reflect.TypeOf(v) }
