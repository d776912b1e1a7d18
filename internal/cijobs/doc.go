// Package cijobs proves, on an emulator that checks identity-based policies,
// that each CI role's permission policy (iam/ci/<id>-role-policy.json,
// derived by internal/deployer) allows what the jobs that assume it run.
package cijobs
