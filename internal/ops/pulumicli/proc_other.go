//go:build !unix

package pulumicli

import (
	"os"
	"os/exec"
)

// The lab's commands run on Linux and macOS (the workflows' runners and the
// README's prerequisites). Elsewhere (Windows) there is no process group and
// no interrupt to send: Run kills pulumi at once when stopped, which can
// leave its stack locked (pulumi cancel releases it).
func ownProcessGroup(*exec.Cmd) {}

// interruptGroup interrupts p; it fails on Windows, which has no interrupt
// to send, and Run then kills p.
func interruptGroup(p *os.Process) error {
	return p.Signal(os.Interrupt)
}

func killGroup(p *os.Process) {
	_ = p.Kill() // gone already: nothing to kill
}
