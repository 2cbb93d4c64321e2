package results

import (
	"net/url"
	"regexp"
	"strings"
)

// Redacted replaces every query value of a redacted URL.
const Redacted = "REDACTED"

// RedactURL is raw without anything that may be a credential: the user
// info (user:password@) is dropped, every query value is replaced by
// REDACTED (the keys stay, so "?key=REDACTED" still says a key was sent),
// and the fragment is dropped. A string that does not parse as a URL with
// a scheme is returned as it is when it holds none of '@', '?' and '#',
// else cut to its scheme and host (or to REDACTED when it has neither).
//
// It is the one redaction of URLs for everything inferbench writes: the
// manifest, the telemetry tables, error messages in rows, logs and
// reports.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		if !strings.ContainsAny(raw, "@?#") {
			return raw
		}
		return redactUnparsed(raw)
	}
	if u.User == nil && u.RawQuery == "" && u.Fragment == "" && !u.ForceQuery && !strings.Contains(raw, "#") {
		return raw
	}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		parts := strings.FieldsFunc(u.RawQuery, func(r rune) bool { return r == '&' || r == ';' })
		for i, p := range parts {
			if k, _, ok := strings.Cut(p, "="); ok {
				parts[i] = k + "=" + Redacted
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	return u.String()
}

// redactUnparsed cuts a string that is not a URL but may carry a
// credential to its scheme and host, when it has them.
func redactUnparsed(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return Redacted
	}
	// A password may hold '/', '?' or '#', so the host follows the last
	// '@', if any.
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return scheme + "://" + rest + "/" + Redacted
}

// urlInText finds URLs in free text: a scheme, "://" and everything up
// to a space, a quote or an angle bracket (Go's url.Error quotes the URL).
var urlInText = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]+`)

// RedactText is s with every URL in it redacted (RedactURL): for error
// messages and log lines, which quote the URLs they failed on.
func RedactText(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return urlInText.ReplaceAllStringFunc(s, RedactURL)
}

// RedactArgs is a command line with every URL in it redacted, in both
// forms a flag takes a value: "--flag URL" and "--flag=URL".
func RedactArgs(args []string) []string {
	if args == nil {
		return nil
	}
	out := make([]string, len(args))
	for i, a := range args {
		if name, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(name, "-") {
			out[i] = name + "=" + RedactText(v)
			continue
		}
		out[i] = RedactText(a)
	}
	return out
}

// redactor is RedactURL remembering its answers, for the few distinct
// source URLs of a telemetry table's many rows.
func redactor() func(string) string {
	seen := map[string]string{}
	return func(s string) string {
		r, ok := seen[s]
		if !ok {
			r = RedactURL(s)
			seen[s] = r
		}
		return r
	}
}

// RedactError is err with its message redacted (RedactText); errors.Is
// and errors.As still see err. nil stays nil.
func RedactError(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{err}
}

type redactedError struct{ err error }

func (e *redactedError) Error() string { return RedactText(e.err.Error()) }
func (e *redactedError) Unwrap() error { return e.err }
