package workloads

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadReqs is Load's requests, for tests that look only at them.
func loadReqs(path string, opts ImportOptions) ([]Request, error) {
	w, err := Load(path, opts)
	if err != nil {
		return nil, err
	}
	return w.Requests, nil
}

func TestLoadIdentity(t *testing.T) {
	w, err := Load(SampleName, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if w.Name != "sample" || w.Path != "" || w.Format != FormatNative || len(w.SHA256) != 64 || len(w.Requests) != 300 {
		t.Errorf("sample: %s %q %s %q %d requests", w.Name, w.Path, w.Format, w.SHA256, len(w.Requests))
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "chat.v2.jsonl")
	if err := os.WriteFile(p, []byte("{\"prompt\":\"a\"}\nnot json\n{\"max_tokens\":1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A native file reports every bad line at once.
	_, err = Load(p, ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), p+":2:") || !strings.Contains(err.Error(), p+`:3: need "messages" or "prompt"`) {
		t.Errorf("bad lines: %v", err)
	}
	w, err = Load(p, ImportOptions{SkipInvalid: true})
	if err != nil || w.Name != "chat.v2" || w.Path != p || w.Skipped != 2 || len(w.Requests) != 1 {
		t.Errorf("skip invalid: %+v %v", w, err)
	}
	// "sample" beside a file of that name is ambiguous.
	t.Chdir(dir)
	os.WriteFile(SampleName, []byte("{\"prompt\":\"a\"}\n"), 0o644)
	if _, err := Load(SampleName, ImportOptions{}); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("ambiguous sample: %v", err)
	}
}

func TestSortForReplay(t *testing.T) {
	reqs := []Request{{ID: "a", AtMs: at(20)}, {ID: "b", AtMs: at(10)}, {ID: "c", AtMs: at(10)}}
	if err := SortForReplay(reqs); err != nil || ids(reqs) != "b,c,a" {
		t.Errorf("sorted %s, %v", ids(reqs), err)
	}
	reqs = append(reqs, Request{ID: "d"})
	if err := SortForReplay(reqs); err == nil || !strings.Contains(err.Error(), "first: d") {
		t.Errorf("missing at_ms: %v", err)
	}
}

func ids(reqs []Request) string {
	s := make([]string, len(reqs))
	for i, r := range reqs {
		s[i] = r.ID
	}
	return strings.Join(s, ",")
}

func TestShardOf(t *testing.T) {
	mk := func(specs ...string) []Request {
		w := make([]Request, len(specs))
		for i, s := range specs {
			sess, _, _ := strings.Cut(s, "@")
			if sess == s {
				sess = ""
			}
			w[i] = Request{ID: s, SessionID: sess}
		}
		return w
	}
	plain := mk("0", "1", "2", "3", "4", "5", "6")
	chats := mk("A@1", "A@2", "x", "B@1", "A@3", "y", "B@2")
	cases := []struct {
		w        []Request
		shard    Shard
		sessions bool
		want     string
	}{
		{plain, Shard{0, 3}, false, "0,3,6"},
		{plain, Shard{1, 3}, false, "1,4"},
		{plain, Shard{2, 3}, false, "2,5"},
		{plain, Shard{0, 1}, false, "0,1,2,3,4,5,6"},
		// Without sessions conversations are split like any request.
		{chats, Shard{0, 2}, false, "A@1,x,A@3,B@2"},
		// With them, whole conversations: A is 0th, x 1st, B 2nd, y 3rd.
		{chats, Shard{0, 2}, true, "A@1,A@2,B@1,A@3,B@2"},
		{chats, Shard{1, 2}, true, "x,y"},
		{plain, Shard{0, 9}, false, "0"},
		{plain, Shard{8, 9}, false, ""},
	}
	for _, tc := range cases {
		if got := ids(tc.shard.Of(tc.w, tc.sessions)); got != tc.want {
			t.Errorf("%s of %s (sessions %v) = %q, want %q", tc.shard, ids(tc.w), tc.sessions, got, tc.want)
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, bad := range []string{"", "1", "2/2", "-1/2", "0/0", "a/b", "1/2/3"} {
		if s, err := ParseShard(bad); err == nil {
			t.Errorf("shard %q accepted as %s", bad, s)
		}
	}
	s, err := ParseShard("3/4")
	if err != nil || s.Index != 3 || s.Count != 4 || s.Suffix() != "-shard-3-of-4" || s.String() != "3/4" || !s.Valid() {
		t.Errorf("3/4: %+v %v", s, err)
	}
	if (Shard{}).Suffix() != "" || !(Shard{}).Valid() || (Shard{Index: 2, Count: 2}).Valid() {
		t.Error("zero or invalid shard")
	}
}
