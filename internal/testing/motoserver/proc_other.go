//go:build !unix

package motoserver

import "os/exec"

func ownProcessGroup(*exec.Cmd) {}

// terminate kills moto: without Unix signals there is no gentler way. The
// only error is that the process has already exited.
func terminate(cmd *exec.Cmd) { _ = cmd.Process.Kill() }

func kill(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
