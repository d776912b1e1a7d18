//go:build !unix

package pulumicli

import (
	"os"
	"os/exec"
)

func ownProcessGroup(*exec.Cmd) {}

// interruptGroup interrupts p; Windows has no interrupt to send.
func interruptGroup(p *os.Process) error {
	return p.Signal(os.Interrupt)
}

func killGroup(p *os.Process) {
	_ = p.Kill() // gone already: nothing to kill
}
