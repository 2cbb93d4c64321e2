// Package kubernetes holds no code: it is the Kubernetes example of a run
// split across load generators (an Indexed Job of `inferbench run --shard`,
// a shared volume or an S3-compatible bucket, and a report Job) and the
// tests that keep it working. The tests parse every manifest strictly with
// the Kubernetes API types and run the pods' command lines locally, one
// process per completion index, against `inferbench sim` on loopback.
// See docs/scale-out.md.
package kubernetes
