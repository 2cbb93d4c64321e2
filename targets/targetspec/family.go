package targetspec

import (
	_ "embed"
	"errors"
	"fmt"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Family is one model family of the rules table
// (targets/targetspec/data/model_families.yaml): the models it covers and how their
// APIs take a request differently from what the protocol takes by
// default. Every preset and protocol reads the one table; a target
// overrides any rule (Spec.MaxTokensField, Spec.Sampling,
// Spec.SystemMessage).
type Family struct {
	// Name names the family in messages and docs.
	Name string `yaml:"family"`
	// Models are name patterns (path.Match: * is any run of characters
	// other than /) matched against the whole model name.
	Models []string `yaml:"models"`
	// MaxTokensField is the token-limit field OpenAI chat sends
	// ("" = the protocol's default).
	MaxTokensField string `yaml:"max_tokens_field"`
	// Sampling false: the API refuses sampling fields (SamplingFields).
	Sampling *bool `yaml:"sampling"`
	// SystemMessage is how system messages are sent: system, developer,
	// or user (folded into the first user message); "" = system.
	SystemMessage string `yaml:"system_message"`
	// Source is the provider's documentation of the rules, Date the
	// date of the change it documents, Note what it says.
	Source string `yaml:"source"`
	Date   string `yaml:"date"`
	Note   string `yaml:"note"`
}

// SamplingFields are the request fields a model without sampling
// (Family.Sampling false, Spec.Sampling false) is never sent.
var SamplingFields = []string{"temperature", "top_p", "top_k", "min_p", "presence_penalty", "frequency_penalty",
	"repetition_penalty", "logprobs", "top_logprobs", "logit_bias"}

// System message modes (Spec.SystemMessage, Family.SystemMessage).
const (
	SystemAsSystem    = "system"    // as the workload has them
	SystemAsDeveloper = "developer" // role developer (OpenAI o1 and later)
	SystemAsUser      = "user"      // folded into the first user message
)

//go:embed data/model_families.yaml
var familiesYAML []byte

// families is the parsed table; a broken embedded table is a build
// defect, which TestFamiliesTable and every test that resolves a spec
// catch.
var families = mustFamilies(familiesYAML)

func mustFamilies(data []byte) []Family {
	fs, err := parseFamilies(data)
	if err != nil {
		panic("targetspec: data/model_families.yaml: " + err.Error())
	}
	return fs
}

// parseFamilies reads a rules table, reporting every problem at once.
func parseFamilies(data []byte) ([]Family, error) {
	var doc struct {
		Families []Family `yaml:"families"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	var errs []error
	for i, f := range doc.Families {
		where := fmt.Sprintf("families[%d] (%s)", i, f.Name)
		if f.Name == "" || len(f.Models) == 0 || f.Source == "" || f.Date == "" {
			errs = append(errs, fmt.Errorf("%s: family, models, source and date are required", where))
		}
		for _, m := range f.Models {
			if _, err := path.Match(m, ""); err != nil {
				errs = append(errs, fmt.Errorf("%s: model pattern %q: %w", where, m, err))
			}
		}
		if err := CheckMaxTokensField(f.MaxTokensField); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
		if err := CheckSystemMessage(f.SystemMessage); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
	}
	return doc.Families, errors.Join(errs...)
}

// Families returns the model-family rules table, in the order it is
// matched.
func Families() []Family { return families }

// FamilyOf returns the first family whose patterns match model.
func FamilyOf(model string) (Family, bool) {
	for _, f := range families {
		for _, p := range f.Models {
			if ok, _ := path.Match(p, model); ok {
				return f, true
			}
		}
	}
	return Family{}, false
}

// Rules are how a target sends a model's requests: its family's rules
// with the target's own settings over them.
type Rules struct {
	// MaxTokensField: "" sends the request's own field
	// (workloads.Request.MaxTokensField), else max_tokens.
	MaxTokensField string
	Sampling       bool
	SystemMessage  string // SystemAsSystem, SystemAsDeveloper or SystemAsUser
	// Family names the family whose rules apply ("" = none).
	Family string
}

// Rules are the spec's rules: its model family's, with the spec's own
// max_tokens_field, sampling and system_message over them.
func (s Spec) Rules() Rules {
	f, _ := FamilyOf(s.Model)
	r := Rules{MaxTokensField: f.MaxTokensField, Sampling: true, SystemMessage: f.SystemMessage, Family: f.Name}
	if f.Sampling != nil {
		r.Sampling = *f.Sampling
	}
	if s.MaxTokensField != "" {
		r.MaxTokensField = s.MaxTokensField
	}
	if s.Sampling != nil {
		r.Sampling = *s.Sampling
	}
	if s.SystemMessage != "" {
		r.SystemMessage = s.SystemMessage
	}
	if r.SystemMessage == "" {
		r.SystemMessage = SystemAsSystem
	}
	return r
}

// CheckMaxTokensField checks a token-limit field name ("" is the
// default).
func CheckMaxTokensField(v string) error {
	switch v {
	case "", "max_tokens", "max_completion_tokens":
		return nil
	}
	return fmt.Errorf("max tokens field %q: want max_tokens or max_completion_tokens", v)
}

// CheckSystemMessage checks a system message mode ("" is the default).
func CheckSystemMessage(v string) error {
	switch v {
	case "", SystemAsSystem, SystemAsDeveloper, SystemAsUser:
		return nil
	}
	return fmt.Errorf("system message %q: want system, developer or user", v)
}
