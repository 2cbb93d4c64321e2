// Package chunk reads one event of the OpenAI chunk protocols (chat
// completions, and legacy completions, whose choices carry text) into the
// Facts a record needs: whether it carries output or reasoning, its
// finish reason, its usage, an error it reports, and its text for the
// tokenizer fallback. Scan is the hot path, one pass over the bytes
// without decoding or allocating; it declines what it is not sure of,
// and Decode reads that in full (encoding/json). Whenever Scan takes an
// event, Decode finds the same facts: FuzzScan checks it. BodyMessage
// reads the message of an HTTP error body.
//
// It imports the standard library only. It is internal to targets: the
// OpenAI chat and completions wires read their events with it, and every
// protocol's HTTP errors their message (BodyMessage).
package chunk
