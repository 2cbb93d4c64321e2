package sim

import "time"

// fate is what happens to one request, decided when it arrives from the
// seed and its arrival number only, so a run with the same seed and the
// same arrival order gets the same faults and jitter whatever the timing.
type fate struct {
	network    time.Duration // network latency including jitter
	serverErr  bool          // answer 500
	rateLimit  bool          // answer 429
	disconnect bool          // cut the stream half-way
	malformed  bool          // one invalid event half-way
	stall      bool          // pause half-way
}

// Independent streams of draws per request.
const (
	drawKind = iota
	drawDisconnect
	drawMalformed
	drawStall
	drawJitter
)

// splitmix64 is the finaliser of SplitMix64: a cheap, well-mixed hash that
// turns (seed, request, stream) into independent-looking uniform values
// without shared RNG state (no lock, no dependence on goroutine order).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// uniform returns a value in [0,1) for draw stream k of request n.
func uniform(seed int64, n uint64, k int) float64 {
	h := splitmix64(splitmix64(uint64(seed)^splitmix64(n)) + uint64(k))
	return float64(h>>11) / (1 << 53)
}

// decideFate draws the faults and network delay of the n-th request.
func decideFate(c *Config, n uint64) fate {
	f := c.Faults
	var ft fate
	u := uniform(c.Seed, n, drawKind)
	switch {
	case u < f.ErrorRate:
		ft.serverErr = true
	case u < f.ErrorRate+f.RateLimitRate:
		ft.rateLimit = true
	}
	ft.disconnect = uniform(c.Seed, n, drawDisconnect) < f.DisconnectRate
	ft.malformed = uniform(c.Seed, n, drawMalformed) < f.MalformedRate
	ft.stall = uniform(c.Seed, n, drawStall) < f.StallRate
	ft.network = c.NetworkLatency
	if c.NetworkJitter > 0 {
		j := (2*uniform(c.Seed, n, drawJitter) - 1) * float64(c.NetworkJitter)
		ft.network = max(0, c.NetworkLatency+time.Duration(j))
	}
	return ft
}
