package motoserver

import (
	"bufio"
	"bytes"
	"context"
	_ "embed" // the IAM launcher, iam_server.py
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// iamLauncher runs moto's server with an audit log of its IAM checks and the
// one fix of moto 5.2.1 the Pulumi CLI's S3 backend needs (see the file).
//
//go:embed iam_server.py
var iamLauncher []byte

// AccountID is the account moto serves by default, where StartIAM's users
// and roles live.
const AccountID = "123456789012"

// AdminUser is the IAM user StartIAM creates before it turns the checks on;
// its inline policy allows every action on every resource, so a test sets up
// what it needs through it.
const AdminUser = "admin"

// adminPolicy is AdminUser's inline policy.
const adminPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// versionExit is the launcher's exit status when moto is not the version its
// patches are written for.
const versionExit = 3

// IAMServer is a moto server that checks the identity-based policies of
// every request's caller (moto's "IAM-like access control") and writes what
// it decided to an audit log.
type IAMServer struct {
	*Server
	// AuditLog is the file of the audit entries (AuditEntry, one JSON line
	// each).
	AuditLog string

	admin aws.Credentials
}

// AuditEntry is one request moto checked.
type AuditEntry struct {
	// Principal is the caller's ARN (an assumed role's session:
	// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION); empty for a key moto
	// did not issue.
	Principal string `json:"principal"`
	// Action is what moto checked: the request's signing name and operation
	// (tagging:GetResources, lambda:Invoke: not always IAM's name).
	Action string `json:"action"`
	// Resource is the ARN moto checked against: an S3 bucket or object, an
	// IAM role, an STS role; "*" for every other service.
	Resource string `json:"resource"`
	// Result is allowed, denied, bad-signature or unknown-key.
	Result string `json:"result"`
	// TS is when moto decided, in seconds since the Unix epoch.
	TS float64 `json:"ts"`
}

// Allowed reports whether moto let the request through.
func (e AuditEntry) Allowed() bool { return e.Result == "allowed" }

func (e AuditEntry) String() string {
	return fmt.Sprintf("%s %s on %s by %s", e.Result, e.Action, e.Resource, e.Principal)
}

// StartIAM runs moto with IAM checks on a free loopback port and stops it
// when t ends. Before it turns the checks on (POST /moto-api/reset-auth 0),
// it creates AdminUser, whose credentials Admin returns; from then on every
// request needs an access key moto issued and a policy that allows it, and
// the static test credentials are refused. Without moto it skips t, or fails
// it in CI; with a moto other than the one the launcher is written for, it
// fails t.
func StartIAM(t testing.TB) *IAMServer {
	t.Helper()
	motoPath, err := exec.LookPath(Command)
	if err != nil {
		missing(t, fmt.Sprintf("%s not found in PATH (%v)", Command, err))
	}
	python, err := exec.LookPath(pythonOf(motoPath))
	if err != nil {
		missing(t, fmt.Sprintf("no Python interpreter for %s (%v)", motoPath, err))
	}
	dir := t.TempDir()
	launcher := filepath.Join(dir, "iam_server.py")
	if err := os.WriteFile(launcher, iamLauncher, 0o644); err != nil {
		t.Fatal(err)
	}
	s := &IAMServer{AuditLog: filepath.Join(dir, "audit.jsonl")}
	var lastErr error
	for range 3 {
		// Without checks yet: moto's budget of unchecked requests is
		// infinite until reset-auth.
		srv, err := start(t, []string{"MOTO_IAM_AUDIT_LOG=" + s.AuditLog}, python, launcher)
		if err == nil {
			s.Server = srv
			break
		}
		if errors.Is(err, errNotInstalled) {
			missing(t, err.Error())
		}
		if srv != nil && srv.cmd.ProcessState != nil && srv.cmd.ProcessState.ExitCode() == versionExit {
			t.Fatalf("start moto with IAM checks: %v", err)
		}
		lastErr = err
		if !errors.Is(err, errExited) {
			break
		}
	}
	if s.Server == nil {
		t.Fatalf("start moto with IAM checks: %v", lastErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.enforce(ctx); err != nil {
		t.Fatalf("moto with IAM checks at %s: %v\n%s", s.URL, err, lastLines(s.Log(), 10))
	}
	return s
}

// pythonOf returns the interpreter of the moto_server script at path (its
// #! line), or python3 when the script is no Python script (a pyenv shim).
func pythonOf(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "python3"
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	fields := strings.Fields(strings.TrimPrefix(line, "#!"))
	if !strings.HasPrefix(line, "#!") || len(fields) == 0 || !strings.Contains(line, "python") {
		return "python3"
	}
	if filepath.Base(fields[0]) == "env" && len(fields) > 1 {
		return fields[1]
	}
	return fields[0]
}

// enforce creates AdminUser with the static test credentials while nothing
// is checked yet, turns the checks on, and proves they are on: the static
// credentials are then refused.
func (s *IAMServer) enforce(ctx context.Context) error {
	c := iam.NewFromConfig(s.Config())
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(AdminUser)}); err != nil {
		return fmt.Errorf("create user %s: %w", AdminUser, err)
	}
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(AdminUser),
		PolicyName: aws.String("allow-all"), PolicyDocument: aws.String(adminPolicy)}); err != nil {
		return fmt.Errorf("put the policy of %s: %w", AdminUser, err)
	}
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(AdminUser)})
	if err != nil {
		return fmt.Errorf("create an access key of %s: %w", AdminUser, err)
	}
	s.admin = aws.Credentials{AccessKeyID: aws.ToString(key.AccessKey.AccessKeyId),
		SecretAccessKey: aws.ToString(key.AccessKey.SecretAccessKey), Source: "moto IAM user " + AdminUser}

	// moto reads the new budget from the raw body: it must be text/plain
	// (a form body reads as empty, and moto answers 500).
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/moto-api/reset-auth", strings.NewReader("0"))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain")
	resp, err := HTTPClient().Do(req)
	if err != nil {
		return fmt.Errorf("turn the IAM checks on: %w", err)
	}
	body, _ := io.ReadAll(resp.Body) // shown only in the error below
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("turn the IAM checks on: HTTP %s: %s", resp.Status, body)
	}

	if _, err := sts.NewFromConfig(s.Config()).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
		return errors.New("the IAM checks are not on: moto still accepts the static test credentials")
	}
	out, err := sts.NewFromConfig(s.Admin()).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("the admin user is refused: %w", err)
	}
	if want := "arn:aws:iam::" + AccountID + ":user/" + AdminUser; aws.ToString(out.Arn) != want {
		return fmt.Errorf("the admin user is %s, want %s", aws.ToString(out.Arn), want)
	}
	return nil
}

// AdminCredentials are AdminUser's access key.
func (s *IAMServer) AdminCredentials() aws.Credentials { return s.admin }

// Admin is Config with AdminUser's credentials.
func (s *IAMServer) Admin() aws.Config {
	cfg := s.Config()
	cfg.Credentials = credentials.StaticCredentialsProvider{Value: s.admin}
	return cfg
}

// AssumeRole assumes roleARN as AdminUser (sts:AssumeRole: the role's trust
// policy must name the admin user) and returns the session's credentials.
func (s *IAMServer) AssumeRole(ctx context.Context, roleARN, session string) (aws.Credentials, error) {
	out, err := sts.NewFromConfig(s.Admin()).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN),
		RoleSessionName: aws.String(session)})
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("assume %s as %s: %w", roleARN, AdminUser, err)
	}
	c := out.Credentials
	return aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken: aws.ToString(c.SessionToken), CanExpire: true, Expires: aws.ToTime(c.Expiration),
		Source: "moto session " + session + " of " + roleARN}, nil
}

// As is Config with creds.
func (s *IAMServer) As(creds aws.Credentials) aws.Config {
	cfg := s.Config()
	cfg.Credentials = credentials.StaticCredentialsProvider{Value: creds}
	return cfg
}

// Audit returns every entry of the audit log so far, in the order moto
// decided them. moto writes an entry before it answers, so a request whose
// answer a client has received is in the log.
func (s *IAMServer) Audit() ([]AuditEntry, error) {
	data, err := os.ReadFile(s.AuditLog)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read moto's audit log: %w", err)
	}
	var entries []AuditEntry
	for i, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var e AuditEntry
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("moto's audit log, line %d: %w", i+1, err)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// IsAccessDenied reports whether err is moto's refusal of a request by
// policy: AccessDenied or Forbidden (EC2, S3), or HTTP 403 where moto writes
// its refusal in a shape the SDK does not parse (IAM and STS: UnknownError;
// the JSON services: a deserialization error). Refusals of the credentials
// themselves (InvalidClientTokenId, SignatureDoesNotMatch) are not.
func IsAccessDenied(err error) bool {
	if err == nil {
		return false
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "AccessDenied", "Forbidden":
			return true
		case "UnknownError":
		default:
			return false
		}
	}
	var status interface{ HTTPStatusCode() int }
	return errors.As(err, &status) && status.HTTPStatusCode() == http.StatusForbidden
}
