// Package policyeval checks the lab's rendered IAM role, trust, S3 bucket, access point
// and VPC endpoint policies, as recorded in the golden plans under testdata/, against
// claims about who may do what. The checks are tests only: they hand the policies to a
// maintained third-party IAM evaluator (tools/iam-eval) so that the AWS semantics are
// judged by code nobody on this project wrote.
package policyeval
