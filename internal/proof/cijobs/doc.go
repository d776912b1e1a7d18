// Package cijobs proves, on an emulator that checks identity-based policies,
// that each CI role's permission policy (iam/ci/<id>-role-policy.json,
// derived by internal/proof/ciroles) allows what the jobs that assume it run.
//
// TestCIJobsUnderIAM starts moto with IAM checks (motoserver.StartIAM),
// creates the state bucket and the secrets key (alias) in it, and every role
// of iam/roles.json with its permission policy rendered for the
// organization's values (ACCOUNT_ID, STATE_BUCKET, STATE_PREFIX,
// REVIEW_STATE_PREFIX, KMS_KEY_ARN: the moto key) as an inline policy
// (put-role-policy, as the README tells users). For every job of every role
// it assumes the role (sts:AssumeRole, a session named after the job) and
// runs what the job runs, as that session, in a fresh copy of the project
// (the project and stack files and scripts/): the real Pulumi CLI
// (tools/bin/pulumi) on S3 backends in moto with the secrets key in moto
// (AWS_ENDPOINT_URL), the scripts with the AWS CLI, and the commands built as
// the workflows build them (go build -o bin/ ./cmd/...):
//
//	preview  pull-request.yml preview, deploy.yml plan: pulumi config get adminPrincipalArns, pulumi
//	         preview of dev (it reads dev's state, its tags and decrypts the secrets key, then stops at
//	         the language host), and the AWS provider's lookups of the dev plan with the SDK
//	deploy   deploy.yml deploy: scripts/deploy.sh dev --plan (pulumi up as a stand-in), ./bin/verify -stack dev
//	review   review-stack.yml deploy: scripts/deploy.sh pr-1 --create --expires-at (stack init with the
//	         key, config set, stack tag set; pulumi up as a stand-in) on the empty review backend,
//	         ./bin/verify -stack pr-1; review-stack.yml destroy: pulumi stack select,
//	         scripts/caller-arn.sh, scripts/destroy.sh pr-1 (caller-arn.sh, destroy, stack rm);
//	         reap.yml reap: ./bin/reap and ./bin/reap -yes on the review backend (expired stacks of
//	         this repository reaped, the caller named with sts and iam:GetRole; another
//	         repository's and an unexpired stack kept)
//	drift    drift.yml drift: ./bin/drift -stack dev (its preview stops at the language host; the
//	         verifier runs); the orphan report: ./bin/orphans on both backends (finds the orphan)
//
// It fails on every request moto did not allow (moto's audit log names the
// caller, action and resource of each decision: the source of truth) and on
// every refusal a command prints, naming the role, the job's session, the
// command and what was refused. Per role, negative controls (an SDK request
// and a Pulumi command its policy must refuse: the review role writing or
// listing dev's state, the preview and drift roles tagging dev, the deploy
// role writing or listing the review backend, the drift role creating a VPC)
// prove the checks are on and that a refusal inside a command is caught.
//
// The verifier's network checks read a lab network built in moto (VPC,
// subnets, route tables, the S3 gateway endpoint with the program's policy,
// security group, flow log); the stacks' outputs name it.
//
// What moto 5.2.1 does not do as AWS does, and how this package works around
// it (TestMotoGaps pins the first four; the launcher, internal/testing/motoserver/
// iam_server.py, the first):
//
//	gap                                                      workaround
//	-------------------------------------------------------  ---------------------------------------------------------
//	the signature is checked over the percent-decoded URL:   a patch in the launcher checks it over the raw request
//	S3 ListObjectsV2 with prefix or delimiter "/" (every     target; refused on any moto but 5.2.1
//	Pulumi command on an S3 backend) fails with
//	SignatureDoesNotMatch
//	a resource is matched only for S3 buckets and objects,   MotoPolicy gives the other actions a statement on "*":
//	IAM requests naming a role and sts:AssumeRole;           the KMS key, Lambda functions, log groups and access
//	everything else is checked against "*", which no ARN     points are not scoped here (internal/proof/policyeval checks
//	matches                                                  that scoping with the pinned evaluator); the state
//	                                                         backend's objects and the roles stay scoped
//	actions are named by signing name and operation:         MotoPolicy allows moto's name next to IAM's
//	tagging:GetResources, lambda:Invoke, monitoring:*        (tag:GetResources, lambda:InvokeFunction, cloudwatch:*)
//	trust: GitHub's OIDC (AssumeRoleWithWebIdentity from a   the roles trust the admin user and are assumed with
//	Federated principal, token conditions) cannot be         sts:AssumeRole; TestCITrustPolicies (internal/proof/policyeval)
//	evaluated; an account-root principal never matches       evaluates the real trust policies
//	conditions are not evaluated (only StringEquals on       kept in the rendering; iam:PassedToService is not
//	sts:ExternalId)                                          exercised (no provider runs here)
//	patterns are regular expressions ("." is any             none needed: no key of the jobs or the controls is
//	character): dev.* also matches devX                      told apart by it
//	CopyObject is checked as s3:PutObject on the target      none: every role that writes a checkpoint may read
//	only (AWS also needs s3:GetObject on the source: the     it (internal/proof/policyeval checks the copy)
//	checkpoint's .bak copy)
//	a missing key answers 404 whatever the rights (AWS:      none: every role has s3:ListBucket on the state bucket
//	403 without s3:ListBucket)                               (internal/proof/ciroles, stateBucket)
//	Lambda runs no code (no Docker, no function deployed):   only refusals count: lambda:Invoke is allowed, the
//	the verifier's function claims end ERROR                 claims end ERROR (verify exit 3), retries are off
//	                                                         (-retry-for 0)
//	S3 Control is unreachable through an endpoint URL (the   the scenarios the jobs verify have no access point (its
//	SDK puts the account in the host)                        checks SKIP); s3:GetAccessPoint is not exercised
//	no key policies, permissions boundaries, session         not exercised here
//	policies or SCPs; sessions never expire
//	403 bodies are XML for every protocol (the SDK reads     the audit log decides; motoserver.IsAccessDenied reads
//	IAM's and STS's as UnknownError, JSON services' as a     the 403 shapes
//	deserialization error)
//	body-less REST requests (Lambda GETs) fail the           not met: no job sends one (no patch)
//	signature check
//
// What the Pulumi CLI here cannot run, and what stands in:
//
//   - No Go language host or AWS provider: a preview stops at the program
//     ("no language plugin 'pulumi-language-go'"), after the state reads and
//     the decryption the test checks for. The provider's lookups of the dev
//     plan are made with the SDK (lookupCalls), one per lookup the plan
//     invokes. The provider's create, read (refresh) and delete calls of the
//     resources are not made here: internal/proof/ciroles derives their rights
//     and internal/proof/policyeval evaluates them.
//   - `pulumi up` stands in as `pulumi destroy` of the same stack (a wrapper
//     first on PATH): it takes the lock and writes the checkpoint and its
//     .bak, the history and a backup as up does. Then the outputs up would
//     leave are imported as the role (pulumi stack export, stack import),
//     for the verifier to read.
//
// The jobs run with the manifest's backends: PULUMI_BACKEND_URL is the
// backend of a job's Pulumi runs (review for review-stack.yml), and
// LAB_REVIEW_BACKEND_URL is set; CI=true; the commands' and scripts'
// PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER=true.
//
// Run it with the pinned Pulumi CLI built (bash scripts/tools.sh), moto
// 5.2.1 (pip install 'moto[server]==5.2.1') and the AWS CLI installed:
//
//	go test ./internal/proof/cijobs
//
// It takes about a minute (plus building the commands). Without moto, the
// Pulumi CLI or the AWS CLI it is skipped, in CI it fails; -short skips it.
package cijobs
