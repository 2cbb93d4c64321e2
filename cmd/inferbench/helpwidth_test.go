package main

import (
	"strings"
	"testing"
)

// TestHelpFitsTerminal: every command's and subcommand's -h fits a
// 120-column terminal, tabs expanded to 8 columns (flag texts are wrapped
// by cliflag.PrintDefaults; synopses and examples by hand).
func TestHelpFitsTerminal(t *testing.T) {
	for path, help := range commandPaths(t) {
		for i, line := range strings.Split(help, "\n") {
			if w := columns(line); w > 120 {
				t.Errorf("inferbench %s -h, line %d is %d columns: %q", path, i+1, w, line)
			}
		}
	}
}

// columns is the width of line on a terminal with tab stops every 8.
func columns(line string) int {
	n := 0
	for _, r := range line {
		if r == '\t' {
			n += 8 - n%8
			continue
		}
		n++
	}
	return n
}
