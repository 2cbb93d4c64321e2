package main

import "context"

// Placeholders until each command lands in its own file.
func cmdReport(ctx context.Context, e *env, args []string) int { return exitUsage }
