// Package policyeval checks the lab's rendered IAM role, trust, S3 bucket, access point
// and VPC endpoint policies, as recorded in the golden plans under testdata/, against
// claims about who may do what. It hands the policies to a maintained third-party IAM
// evaluator (tools/iam-eval) so that the AWS semantics are judged by code nobody on this
// project wrote. Its tests check every claim on every golden plan; Decisions and Diff
// give the same rows' verdicts for any plan, so that a review can list the rows a
// change turns (tools/preview).
package policyeval
