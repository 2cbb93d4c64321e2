//go:build race

package gguf

// raceEnabled reports a -race build. The large-model tests skip under it:
// they run the same single-goroutine code as the tiny model's, so the race
// detector has nothing to find there, and it makes generating 93 MiB of
// weights take tens of seconds.
const raceEnabled = true
