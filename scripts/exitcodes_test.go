package scripts

import (
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// TestWorkflowsNameEveryExitCode: a workflow step that runs one of the lab's
// commands (./bin/NAME) and explains its exit code (case "$code" with a
// meaning per code) names exactly the codes internal/exitcode gives that
// command: one it can exit with is never "unexpected", and no code is
// explained that the command never returns.
func TestWorkflowsNameEveryExitCode(t *testing.T) {
	root := repo.Root(t)
	families := []exitcode.Family{exitcode.Claims, exitcode.Housekeeping}
	command := regexp.MustCompile(`\./bin/([a-z-]+)`)
	arm := regexp.MustCompile(`(?m)^\s*([0-9]+)\) meaning=`)
	checked := 0
	for _, wf := range readWorkflows(t, root) {
		f := wf.File
		for job, j := range wf.Jobs {
			for _, s := range j.Steps {
				arms := arm.FindAllStringSubmatch(s.Run, -1)
				cmds := command.FindAllStringSubmatch(s.Run, -1)
				if len(arms) == 0 || len(cmds) == 0 {
					continue
				}
				name := cmds[len(cmds)-1][1]
				var want []exitcode.Code
				for _, fam := range families {
					if codes, ok := fam.Commands[name]; ok {
						want = codes
					}
				}
				if want == nil {
					t.Errorf("%s, job %s, step %q: ./bin/%s is not in internal/exitcode's tables", f, job, s.Name, name)
					continue
				}
				var got []exitcode.Code
				for _, a := range arms {
					n, _ := strconv.Atoi(a[1])
					got = append(got, exitcode.Code(n))
				}
				slices.Sort(got)
				want = slices.Sorted(slices.Values(want))
				if !slices.Equal(got, want) {
					t.Errorf("%s, job %s, step %q: explains %s's exit codes %v; internal/exitcode says it exits with %v",
						f, job, s.Name, name, got, want)
				}
				checked++
			}
		}
	}
	// verify in deploy.yml and review-stack.yml, drift, reap.
	if checked < 4 {
		t.Errorf("checked %d steps that explain an exit code; want at least 4 (this test no longer finds them)", checked)
	}
}
