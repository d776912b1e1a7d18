// Package exitcode declares the exit codes of the lab's commands, once: one
// table per family of commands, in which each number means one thing.
//
//   - Claims: the commands that check the lab's claims (verify, drift,
//     ephemeral). The workflows and the README tell a failed claim (1) from a
//     check that could not run (2) by them.
//   - Housekeeping: the commands that look after stacks, resources and roles
//     (reap, orphans, ci-roles, plan).
//
// In both, 0 is success, 2 could not run and 130 interrupted; 1 is a failed
// claim in one and something left behind in the other. Each command's doc
// comment lists its codes (a test keeps them equal to Commands).
package exitcode

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Code is a command's exit code.
type Code int

// Codes of both families.
const (
	OK          Code = 0
	CouldNotRun Code = 2
	Interrupted Code = 130
)

// Codes of the claims family.
const (
	ClaimFailed      Code = 1
	Incomplete       Code = 3
	Drifted          Code = 4
	DriftedAndFailed Code = 5
	CleanupFailed    Code = 6
)

// Codes of the housekeeping family.
const (
	LeftBehind Code = 1
)

// Entry is a row of a family's table.
type Entry struct {
	Code    Code
	Meaning string
}

// Family is the table of exit codes some commands share.
type Family struct {
	Name string
	// Codes are the family's codes, each with its one meaning.
	Codes []Entry
	// Commands maps each command of the family (its directory under cmd/)
	// to the codes it exits with.
	Commands map[string][]Code
}

// Meaning says what c means in the family.
func (f Family) Meaning(c Code) string {
	for _, e := range f.Codes {
		if e.Code == c {
			return e.Meaning
		}
	}
	return "unexpected exit code"
}

// Claims is the family of the commands that check the lab's claims.
var Claims = Family{
	Name: "claims",
	Codes: []Entry{
		{OK, "every check passed"},
		{ClaimFailed, "a claim of the lab did not hold"},
		{CouldNotRun, "could not run: a check could not be made, and nothing that ran found a failure"},
		{Incomplete, "incomplete: nothing failed, but some checks could not be made"},
		{Drifted, "resources changed outside Pulumi"},
		{DriftedAndFailed, "resources changed outside Pulumi and a claim of the lab did not hold"},
		{CleanupFailed, "cleanup failed: the stack is kept, destroy it again"},
		{Interrupted, "interrupted by a signal; the stack was cleaned up"},
	},
	Commands: map[string][]Code{
		"verify":    {OK, ClaimFailed, CouldNotRun, Incomplete},
		"drift":     {OK, ClaimFailed, CouldNotRun, Incomplete, Drifted, DriftedAndFailed},
		"ephemeral": {OK, ClaimFailed, CouldNotRun, Incomplete, CleanupFailed, Interrupted},
	},
}

// Housekeeping is the family of the commands that look after stacks,
// resources and roles.
var Housekeeping = Family{
	Name: "housekeeping",
	Codes: []Entry{
		{OK, "done"},
		{LeftBehind, "something that should be gone is left (an expired stack kept, orphaned resources): see the report"},
		{CouldNotRun, "could not run, or stopped at an error (a bad flag or setting, no Pulumi CLI or backend, a refused call): the message says which"},
		{Interrupted, "interrupted by a signal; the running operation was stopped cleanly, the next run takes up the rest"},
	},
	Commands: map[string][]Code{
		"reap":     {OK, LeftBehind, CouldNotRun, Interrupted},
		"orphans":  {OK, LeftBehind, CouldNotRun},
		"ci-roles": {OK, CouldNotRun},
		"plan":     {OK, CouldNotRun},
	},
}

// Families are the tables of all the commands.
var Families = []Family{Claims, Housekeeping}

// Main runs a command: run gets the process's arguments and output and a
// context that ends on SIGINT or SIGTERM (run then stops what it runs
// cleanly and returns Interrupted or its own code), and the process exits
// with the code run returns.
func Main(run func(ctx context.Context, args []string, stdout, stderr io.Writer) Code) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(int(code))
}
