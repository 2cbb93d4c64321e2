package targetspec

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A targets file declares targets in YAML:
//
//	targets:
//	  - name: gpt-4o-mini
//	    preset: openai
//	    model: gpt-4o-mini
//	  - name: local
//	    preset: vllm
//	    model: meta-llama/Llama-3.1-8B-Instruct
//	    extra_body: {ignore_eos: true}
//
// go.yaml.in/yaml/v3 (the YAML organisation's maintained yaml.v3) parses
// it into a node tree that keeps the line of every key, so every problem
// in the file (syntax, unknown keys, wrong types, bad values) is reported
// at once as file:line.

// LoadFile reads and checks a targets file; see ParseFile.
func LoadFile(path string) ([]Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseFile(path, data)
}

// ParseFile parses a targets file and resolves every target (presets
// applied, values checked). It reports every problem at once, each as
// `path:line: what is wrong`.
func ParseFile(path string, data []byte) ([]Spec, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(path, 0, "", err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty targets file: want `targets:` with a list of targets", path)
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a mapping with a `targets:` list", path, doc.Line)
	}
	var errs []error
	var list *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		if k.Value == "targets" {
			list = v
			continue
		}
		errs = append(errs, fmt.Errorf("%s:%d: unknown key %q (want targets)", path, k.Line, k.Value))
	}
	if list == nil {
		errs = append(errs, fmt.Errorf("%s:%d: no `targets:` list", path, doc.Line))
		return nil, errors.Join(errs...)
	}
	if list.Kind != yaml.SequenceNode {
		errs = append(errs, fmt.Errorf("%s:%d: targets must be a list", path, list.Line))
		return nil, errors.Join(errs...)
	}
	var specs []Spec
	seen := map[string]int{}
	for i, item := range list.Content {
		where := fmt.Sprintf("targets[%d]", i)
		if item.Kind != yaml.MappingNode {
			errs = append(errs, fmt.Errorf("%s:%d: %s: want a mapping of target fields", path, item.Line, where))
			continue
		}
		bad := checkKeys(path, item, reflect.TypeFor[Spec](), where)
		var s Spec
		if err := item.Decode(&s); err != nil {
			// A type error leaves the other fields decoded: check them
			// too, so the file's every problem shows at once.
			bad = append(bad, yamlError(path, item.Line, where, err))
			var te *yaml.TypeError
			if !errors.As(err, &te) {
				errs = append(errs, bad...)
				continue
			}
		}
		r, err := s.Resolve()
		if r.Name != "" {
			where += " (" + r.Name + ")"
		}
		errs = append(errs, bad...)
		if prev, dup := seen[r.Name]; dup && r.Name != "" {
			errs = append(errs, fmt.Errorf("%s:%d: %s: name %q is already used by the target on line %d", path, keyLine(item, "name"), where, r.Name, prev))
		} else if r.Name != "" {
			seen[r.Name] = item.Line
		}
		if err != nil {
			for _, e := range flatten(err) {
				if e == nil {
					continue
				}
				line := item.Line
				var fe *FieldError
				if errors.As(e, &fe) {
					line = keyLine(item, fe.Field)
				}
				errs = append(errs, fmt.Errorf("%s:%d: %s: %w", path, line, where, e))
			}
		}
		if err != nil || len(bad) > 0 {
			continue
		}
		specs = append(specs, r)
	}
	if len(list.Content) == 0 {
		errs = append(errs, fmt.Errorf("%s:%d: targets is empty", path, list.Line))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return specs, nil
}

// FindSpec returns the target of that name.
func FindSpec(specs []Spec, name string) (Spec, error) {
	names := make([]string, len(specs))
	for i, s := range specs {
		if s.Name == name {
			return s, nil
		}
		names[i] = s.Name
	}
	return Spec{}, fmt.Errorf("no target named %q (the file has: %s)", name, strings.Join(names, ", "))
}

// checkKeys reports keys of a mapping node that name no field of t,
// recursing into fields that are structs.
func checkKeys(path string, n *yaml.Node, t reflect.Type, where string) []error {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind != yaml.MappingNode || t.Kind() != reflect.Struct {
		return nil
	}
	fields := map[string]reflect.Type{}
	var known []string
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		fields[tag] = t.Field(i).Type
		known = append(known, tag)
	}
	slices.Sort(known)
	var errs []error
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		ft, ok := fields[k.Value]
		if !ok {
			errs = append(errs, fmt.Errorf("%s:%d: %s: unknown key %q (known: %s)", path, k.Line, where, k.Value, strings.Join(known, ", ")))
			continue
		}
		errs = append(errs, checkKeys(path, v, ft, where+"."+k.Value)...)
	}
	return errs
}

// keyLine is the line of a dotted key path in a mapping node, or of the
// deepest part of it that exists.
func keyLine(n *yaml.Node, field string) int {
	line := n.Line
	for _, part := range strings.Split(field, ".") {
		if n.Kind != yaml.MappingNode {
			break
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				line, n, found = n.Content[i].Line, n.Content[i+1], true
				break
			}
		}
		if !found {
			break
		}
	}
	return line
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError turns the YAML library's "line N: msg" errors into
// "path:N: msg", one per problem.
func yamlError(path string, fallback int, where string, err error) error {
	if where != "" {
		where += ": "
	}
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var errs []error
	for _, m := range msgs {
		line := fallback
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			line, _ = strconv.Atoi(sm[1])
			m = sm[2]
		}
		m = strings.TrimPrefix(m, "yaml: ")
		if line > 0 {
			errs = append(errs, fmt.Errorf("%s:%d: %s%s", path, line, where, m))
		} else {
			errs = append(errs, fmt.Errorf("%s: %s%s", path, where, m))
		}
	}
	return errors.Join(errs...)
}

// flatten lists the errors joined in err.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}
