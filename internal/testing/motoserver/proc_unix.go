//go:build unix

package motoserver

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup puts moto in a process group of its own, so that stopping
// it also stops anything it started (a pyenv shim, a reloader).
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// terminate sends SIGTERM to moto's process group (its ID is moto's PID).
// The only error is ESRCH: the group has already exited.
func terminate(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }

// kill sends SIGKILL to moto's process group; see terminate for the error.
func kill(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
