package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// limiter is the RPM and TPM token buckets of Provider.
type limiter struct {
	mu         sync.Mutex
	rpm, tpm   float64 // capacities; 0 = unlimited
	reqs, toks float64 // tokens in the buckets now
	last       time.Time
}

func newLimiter(p Provider) *limiter {
	if p.RPM == 0 && p.TPM == 0 {
		return nil
	}
	return &limiter{rpm: float64(p.RPM), tpm: float64(p.TPM), reqs: float64(p.RPM), toks: float64(p.TPM)}
}

// take charges one request of cost tokens at now, or returns how long
// until it would fit. A request costlier than the whole TPM bucket fits
// once the bucket is full, so it is late rather than refused forever.
func (l *limiter) take(now time.Time, cost int) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() {
		dt := now.Sub(l.last).Seconds()
		l.reqs = min(l.rpm, l.reqs+dt*l.rpm/60)
		l.toks = min(l.tpm, l.toks+dt*l.tpm/60)
	}
	l.last = now
	need := min(float64(cost), l.tpm)
	var wait float64 // seconds
	if l.rpm > 0 && l.reqs < 1 {
		wait = max(wait, (1-l.reqs)*60/l.rpm)
	}
	if l.tpm > 0 && l.toks < need {
		wait = max(wait, (need-l.toks)*60/l.tpm)
	}
	if wait > 0 {
		return time.Duration(math.Ceil(wait * float64(time.Second))), false
	}
	if l.rpm > 0 {
		l.reqs--
	}
	if l.tpm > 0 {
		l.toks -= need
	}
	return 0, true
}

// limitedPaths are the generation paths rate limits apply to.
func generationPath(path string) bool {
	switch path {
	case "/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/messages":
		return true
	}
	_, ok := geminiModel(path)
	return ok
}

// rateLimited answers 429 and reports true when r does not fit the rate
// limits. It reads the body to estimate the request's tokens and puts it
// back for the handler.
func (s *Server) rateLimited(w http.ResponseWriter, r *http.Request) bool {
	if s.limits == nil || r.Method != http.MethodPost || !generationPath(r.URL.Path) {
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		return false // the handler reports the unreadable body
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	cost := (len(body)+3)/4 + requestMaxTokens(body, s.cfg.DefaultMaxTokens)
	wait, ok := s.limits.take(time.Now(), cost)
	if ok {
		return false
	}
	s.arrivals.Add(1)
	s.c.requests.Add(1)
	s.c.rateLimited.Add(1)
	w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
	w.Header().Set("retry-after-ms", strconv.FormatInt(wait.Milliseconds()+1, 10))
	msg := "Rate limit reached (simulated: " + strconv.Itoa(int(s.limits.rpm)) + " RPM, " +
		strconv.Itoa(int(s.limits.tpm)) + " TPM). Please try again in " + wait.Round(time.Millisecond).String() + "."
	protocolFor(r.URL.Path).writeError(w, http.StatusTooManyRequests, errRateLimit, msg, wait)
	return true
}

// requestMaxTokens finds the output limit of a request body in any
// protocol's field, or def.
func requestMaxTokens(body []byte, def int) int {
	var b struct {
		MaxTokens           *int `json:"max_tokens"`
		MaxCompletionTokens *int `json:"max_completion_tokens"`
		MaxOutputTokens     *int `json:"max_output_tokens"`
		GenerationConfig    struct {
			MaxOutputTokens *int `json:"maxOutputTokens"`
		} `json:"generationConfig"`
	}
	if json.Unmarshal(body, &b) != nil {
		return def
	}
	for _, v := range []*int{b.MaxCompletionTokens, b.MaxTokens, b.MaxOutputTokens, b.GenerationConfig.MaxOutputTokens} {
		if v != nil && *v > 0 {
			return *v
		}
	}
	return def
}

// geminiModel returns the model of a Gemini streaming path,
// /v1beta/models/MODEL:streamGenerateContent.
func geminiModel(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/v1beta/models/")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, ":streamGenerateContent")
}
