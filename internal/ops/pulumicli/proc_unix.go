//go:build unix

package pulumicli

import (
	"os"
	"os/exec"
	"syscall"
)

// ownProcessGroup puts the command in a process group of its own (its ID
// the command's process ID), so that a Ctrl-C at the terminal reaches only
// the lab's command, which then stops it with one interrupt.
func ownProcessGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
}

// interruptGroup sends SIGINT to p's process group.
func interruptGroup(p *os.Process) error {
	return syscall.Kill(-p.Pid, syscall.SIGINT)
}

// killGroup sends SIGKILL to p's process group.
func killGroup(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL) // gone already: nothing to kill
}
