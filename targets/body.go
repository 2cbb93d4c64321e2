package targets

import (
	"encoding/json"
	"fmt"
	"slices"
)

// bodyField is one top-level field of a request body, already encoded.
// A wire builds its body as a list of them (in the order they are sent),
// and streamTarget sets the config's and the request's extra fields over
// them: a field replaces the one of the same key, in place.
type bodyField struct {
	key   string
	value json.RawMessage
}

// field encodes one body field; v must be encodable (the wires pass
// plain values).
func field(key string, v any) bodyField {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("targets: encoding %s: %v", key, err))
	}
	return bodyField{key: key, value: b}
}

// setFields sets each of add on fields, replacing a field of the same key.
func setFields(fields []bodyField, add ...bodyField) []bodyField {
	for _, f := range add {
		i := slices.IndexFunc(fields, func(g bodyField) bool { return g.key == f.key })
		if i >= 0 {
			fields[i] = f
		} else {
			fields = append(fields, f)
		}
	}
	return fields
}

// encodeObject writes fields as one JSON object, in order.
func encodeObject(fields []bodyField) []byte {
	n := 2
	for _, f := range fields {
		n += len(f.key) + len(f.value) + 4
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		if plainKey(f.key) {
			b = append(b, '"')
			b = append(b, f.key...)
			b = append(b, '"', ':')
		} else {
			k, _ := json.Marshal(f.key)
			b = append(b, k...)
			b = append(b, ':')
		}
		b = append(b, f.value...)
	}
	return append(b, '}')
}

// plainKey reports whether encoding/json writes key verbatim between
// quotes, so it can be appended without encoding.
func plainKey(key string) bool {
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
