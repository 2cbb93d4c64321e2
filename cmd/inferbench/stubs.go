package main

import "context"

// Placeholders until each command lands in its own file.
func cmdRun(ctx context.Context, e *env, args []string) int       { return exitUsage }
func cmdSim(ctx context.Context, e *env, args []string) int       { return exitUsage }
func cmdDemo(ctx context.Context, e *env, args []string) int      { return exitUsage }
func cmdCalibrate(ctx context.Context, e *env, args []string) int { return exitUsage }
func cmdVersion(ctx context.Context, e *env, args []string) int   { return exitOK }
