package examples

import _ "embed"

// DemoSuite is demo.suite.yaml, the suite `inferbench demo` runs.
//
//go:embed demo.suite.yaml
var DemoSuite []byte
