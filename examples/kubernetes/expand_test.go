package kubernetes

import (
	"strings"
	"testing"
)

// expand replaces $(VAR) references in s the way Kubernetes expands a
// container's command, args and env values (the kubelet's forked
// golang/expansion package): $(NAME) becomes the variable's value when
// vars defines NAME and stays as written when it does not; $$ is an
// escaped $, so $$(NAME) is the literal text $(NAME); any other $ is kept.
func expand(s string, vars map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 { // an unterminated reference is kept as written
				b.WriteString("$(")
				i++
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := vars[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// TestExpand holds expand to the cases of Kubernetes' own expansion tests.
func TestExpand(t *testing.T) {
	vars := map[string]string{"VAR_A": "A", "VAR_B": "B", "VAR_EMPTY": "", "JOB_COMPLETION_INDEX": "3"}
	for in, want := range map[string]string{
		"":                                  "",
		"plain":                             "plain",
		"$(VAR_A)":                          "A",
		"___$(VAR_B)___":                    "___B___",
		"$(VAR_A)-$(VAR_B)":                 "A-B",
		"$(VAR_A)$(VAR_B)":                  "AB",
		"--shard=$(JOB_COMPLETION_INDEX)/4": "--shard=3/4",
		"$(VAR_EMPTY)x":                     "x",
		"$(VAR_DNE)":                        "$(VAR_DNE)",
		"$$(VAR_A)":                         "$(VAR_A)",
		"$$$(VAR_A)":                        "$A",
		"$$$$$$(VAR_A)":                     "$$$(VAR_A)",
		"f000-$$VAR_A":                      "f000-$VAR_A",
		"$VAR_A":                            "$VAR_A",
		"$(VAR_A":                           "$(VAR_A",
		"$()":                               "$()",
		"$":                                 "$",
		"a$":                                "a$",
		"$(VAR_A)$":                         "A$",
		"$($(VAR_A))":                       "$($(VAR_A))",
	} {
		if got := expand(in, vars); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}
