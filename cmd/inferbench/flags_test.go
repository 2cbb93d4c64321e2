package main

import (
	"strings"
	"testing"
)

// TestFlagErrorsOnce: a bad flag is one line and a hint, never the error
// twice around the whole help; an unknown flag names the nearest one; -h
// still prints the help.
func TestFlagErrorsOnce(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--rat", "5/s"}, "inferbench run: unknown flag --rat (did you mean --rate?)\nRun 'inferbench run -h' for usage.\n"},
		{[]string{"run", "--rate", "fast"}, "inferbench run: invalid value \"fast\" for flag --rate: rate \"fast\": want a positive rate such as 5/s, 300/m or 2.5 (per second, minute or hour)\nRun 'inferbench run -h' for usage.\n"},
		{[]string{"sim", "--ttf", "5ms"}, "inferbench sim: unknown flag --ttf (did you mean --ttft?)\nRun 'inferbench sim -h' for usage.\n"},
		{[]string{"workload", "inspect", "x", "--skip-invalids"}, "inferbench workload inspect: unknown flag --skip-invalids (did you mean --skip-invalid?)\nRun 'inferbench workload inspect -h' for usage.\n"},
		{[]string{"run", "--zzzzzzzz"}, "inferbench run: unknown flag --zzzzzzzz\nRun 'inferbench run -h' for usage.\n"},
	} {
		code, stdout, stderr := runCLI(t, tc.args...)
		if code != exitUsage || stdout != "" || stderr != tc.want {
			t.Errorf("%v: exit %d, stdout %q, stderr:\n%s\nwant:\n%s", tc.args, code, stdout, stderr, tc.want)
		}
	}
	code, _, stderr := runCLI(t, "run", "-h")
	if code != exitOK || !strings.HasPrefix(stderr, "Usage:\n  inferbench run") || !strings.Contains(stderr, "-part-interval duration") {
		t.Errorf("run -h: exit %d\n%s", code, stderr)
	}
}
