//go:build unix

package reap

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup puts pulumi in a process group of its own, so that a
// Ctrl-C at the terminal reaches only the reaper, which then stops pulumi
// with one SIGINT (a second one would make pulumi quit without saving its
// state).
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
