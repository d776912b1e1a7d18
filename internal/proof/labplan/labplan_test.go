package labplan

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/program/labstack"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"

	"github.com/platformlab/s3-gateway-lab/internal/proof/offlineplan"
	"github.com/platformlab/s3-gateway-lab/internal/proof/verify"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
	"github.com/platformlab/s3-gateway-lab/lambda/contract"
	"github.com/platformlab/s3-gateway-lab/lambda/handler"
)

var update = flag.Bool("update", false, "rewrite testdata/plan-<stack>.json from the program")

// TestGoldenPlans: each scenario stack's offline plan is committed as
// testdata/plan-<stack>.json; a change to the program that changes a plan
// fails here until the file is regenerated with -update and reviewed.
func TestGoldenPlans(t *testing.T) {
	r := repo.Root(t)
	for _, stack := range Scenarios {
		t.Run(stack, func(t *testing.T) {
			p, err := Stack(r, stack, Options{})
			if err != nil {
				t.Fatalf("plan %s: %v", stack, err)
			}
			got, err := p.JSON()
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join(r, "testdata", "plan-"+stack+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden plan (run `go test ./internal/proof/labplan -run TestGoldenPlans -update`): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("the %s plan differs from %s; review `go run ./cmd/plan -stack %s -json` and rewrite it with -update.\n%s",
					stack, golden, stack, firstDiff(string(want), string(got)))
			}
			// Stable across machines: no paths of this machine, no build hashes.
			if p.Outputs["functionArn"] != offlineplan.Unknown("lab-fn", "arn") {
				t.Errorf("outputs do not come from the lab's resources: %v", p.Outputs)
			}
		})
	}
	// Every scenario stack file has its golden plan.
	files, err := filepath.Glob(filepath.Join(r, "Pulumi.*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// Every other committed stack file (your own stacks) plans offline,
	// without a golden plan, for the account it pins.
	for _, f := range files {
		stack := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml")
		if slices.Contains(Scenarios, stack) {
			continue
		}
		if _, err := Stack(r, stack, Options{}); err != nil {
			t.Errorf("%s does not plan offline: %v", filepath.Base(f), err)
		}
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n want: " + wl + "\n  got: " + gl
		}
	}
	return ""
}

// TestStackOutputs: the stack exports everything the lab documents check by
// hand, and a ready-to-paste invoke command.
func TestStackOutputs(t *testing.T) {
	p, err := Stack(repo.Root(t), "dev", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"vpcId", "privateSubnetIds", "routeTableIds", "endpointId", "prefixListId", "bucketName",
		"functionName", "functionArn", "logGroupName", "invokeCommand", "seedKeys", "endpointPolicy", "region",
		"deniedProbeBucket", "crossRegionBucket", "crossRegion", "roleArn"} {
		if _, ok := p.Outputs[k]; !ok {
			t.Errorf("stack output %s is missing", k)
		}
	}
	want := "aws lambda invoke --region us-east-1 --function-name " + offlineplan.Unknown("lab-fn", "name") +
		` --cli-binary-format raw-in-base64-out --payload '{"action":"list"}' report.json && cat report.json`
	if p.Outputs["invokeCommand"] != want {
		t.Errorf("invokeCommand:\n got %v\nwant %s", p.Outputs["invokeCommand"], want)
	}
	if p.Outputs["functionArn"] != offlineplan.Unknown("lab-fn", "arn") || p.Outputs["endpointId"] != offlineplan.Unknown("lab-s3-endpoint", "id") {
		t.Errorf("outputs do not come from the lab's resources: %v", p.Outputs)
	}
}

// TestConfigErrors: bad stack configuration fails before anything is
// registered, naming the key, the value and what is accepted.
func TestConfigErrors(t *testing.T) {
	tests := []struct {
		key, value string
		wantErr    []string
	}{
		{"s3-gateway-lab:azCount", "two", []string{`s3-gateway-lab:azCount "two"`, "an integer"}},
		{"s3-gateway-lab:forceDestroy", "maybe", []string{`s3-gateway-lab:forceDestroy "maybe"`, "true or false"}},
		{"s3-gateway-lab:availabilityZones", "us-east-1a", []string{"s3-gateway-lab:availabilityZones", "a list of strings"}},
		{"s3-gateway-lab:vpcCidr", "10.0.0.0/33", []string{`vpcCidr "10.0.0.0/33"`}},
		{"s3-gateway-lab:logRetentionDays", "10", []string{"logRetentionDays 10", "one of"}},
		{"s3-gateway-lab:vpcCidr", "", []string{"s3-gateway-lab:vpcCidr is not set"}},
		{"s3-gateway-lab:expiresAt", "tomorrow", []string{`s3-gateway-lab:expiresAt "tomorrow"`, "RFC 3339"}},
		{"s3-gateway-lab:crossRegion", "us-east-1", []string{"crossRegion us-east-1: is the stack's own region"}},
		{"s3-gateway-lab:vpcCIDR", "10.0.0.0/16", []string{"s3-gateway-lab:vpcCIDR: unknown configuration key; did you mean s3-gateway-lab:vpcCidr?",
			"accepted keys: s3-gateway-lab:{vpcCidr,"}},
		{"aws:azCount", "3", []string{"aws:azCount: unknown configuration key; did you mean s3-gateway-lab:azCount?"}},
		{"s3gatewaylab:azCount", "3", []string{`s3gatewaylab:azCount: namespace "s3gatewaylab" is neither the project's (s3-gateway-lab) nor the AWS provider's (aws); did you mean s3-gateway-lab:azCount?`}},
		{"aws:profil", "dev", []string{"aws:profil: unknown configuration key; did you mean aws:profile?"}},
		{"aws:region", "", []string{"aws:region is not set"}},
		{"aws:region", "US East", []string{`aws:region "US East": not an AWS region name`}},
		{"s3-gateway-lab:adminPrincipalArns", `["arn:aws:sts::123456789012:assumed-role/ci/session"]`,
			[]string{`adminPrincipalArns "arn:aws:sts::123456789012:assumed-role/ci/session": accepted: an IAM role or user ARN`}},
		{"s3-gateway-lab:excludeZoneIds", `["us-east-1a"]`, []string{`excludeZoneIds [us-east-1a]: "us-east-1a" is not a zone ID`}},
		{"aws:assumeRole", `{"roleArn":"arn:aws:iam::123456789012:role/deployer","sesionName":"x"}`,
			[]string{`aws:assumeRole`, `unknown field "sesionName"`}},
		{"aws:assumeRoleWithWebIdentity", `{"roleArn":"arn:aws:iam::123456789012:role/ci","tokenFile":"/t"}`,
			[]string{`aws:assumeRoleWithWebIdentity`, `unknown field "tokenFile"`, "webIdentityTokenFile"}},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			cfg, err := labstack.StackConfig(repo.Root(t), "dev")
			if err != nil {
				t.Fatal(err)
			}
			if tt.value == "" {
				delete(cfg, tt.key)
			} else {
				cfg[tt.key] = tt.value
			}
			p, err := Stack(repo.Root(t), "dev", Options{Config: cfg})
			if err == nil {
				t.Fatalf("got no error, want one containing %v", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %q, want it to contain %q", err, w)
				}
			}
			if p == nil || len(p.Resources) != 0 {
				t.Errorf("got plan %v with the error, want the (empty) list of resources registered before it", p)
			}
		})
	}
}

// TestConfigProblemsAllAtOnce: a type error does not hide a value error, an
// unknown key does not hide either, and a setting of the wrong type is not
// reported a second time by the lab's own checks.
func TestConfigProblemsAllAtOnce(t *testing.T) {
	cfg, err := labstack.StackConfig(repo.Root(t), "dev")
	if err != nil {
		t.Fatal(err)
	}
	cfg["s3-gateway-lab:azCount"] = "two"
	cfg["s3-gateway-lab:vpcCidr"] = "10.0.0.0/33"
	cfg["s3-gateway-lab:lambdaMemoryMb"] = "64"
	cfg["s3-gateway-lab:bucketPrefx"] = "lab"
	p, err := Stack(repo.Root(t), "dev", Options{Config: cfg})
	if err == nil {
		t.Fatal("got no error")
	}
	for _, want := range []string{`s3-gateway-lab:azCount "two": accepted: an integer`, `vpcCidr "10.0.0.0/33"`,
		"lambdaMemoryMb 64", "did you mean s3-gateway-lab:bucketPrefix?"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "azCount 0") {
		t.Errorf("the unreadable azCount is reported again as a value: %v", err)
	}
	if len(p.Resources) != 0 {
		t.Errorf("registered %d resources, want none", len(p.Resources))
	}
}

// TestStackFileLayout: a setting written outside config: in a stack file is
// silently ignored by Pulumi; the offline plan refuses it, with the other
// problems.
func TestStackFileLayout(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"Pulumi.yaml"} {
		data, err := os.ReadFile(filepath.Join(repo.Root(t), name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stackFile := "config:\n  aws:region: us-east-1\n  s3-gateway-lab:azCont: 2\ns3-gateway-lab:azCount: 3\n"
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.odd.yaml"), []byte(stackFile), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Stack(dir, "odd", Options{})
	if err == nil {
		t.Fatal("got no error")
	}
	for _, want := range []string{`top-level key "s3-gateway-lab:azCount" is not read by Pulumi`, "a setting goes under the config key",
		"s3-gateway-lab:azCont: unknown configuration key; did you mean s3-gateway-lab:azCount?"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestExpiryTag: expiresAt is tagged on every tagged resource, so a stray
// ephemeral stack can be found and removed.
func TestExpiryTag(t *testing.T) {
	cfg, err := labstack.StackConfig(repo.Root(t), "dev")
	if err != nil {
		t.Fatal(err)
	}
	cfg["s3-gateway-lab:expiresAt"] = "2026-11-23T01:00:00+01:00"
	p, err := Stack(repo.Root(t), "eph-1", Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	tagged := 0
	for _, r := range p.Resources {
		tags, ok := r.Inputs["tags"].(map[string]any)
		if !ok {
			continue
		}
		tagged++
		if tags[settings.TagExpiresAt] != "2026-11-23T00:00:00Z" || tags[settings.TagStack] != "eph-1" {
			t.Errorf("%s %s tags: got %v, want the stack and the expiry in UTC", r.Type, r.Name, tags)
		}
	}
	if tagged < 15 {
		t.Errorf("only %d resources carry tags", tagged)
	}
}

// TestOutputsFeedTheVerifier: every scenario stack exports everything the
// verifier reads, in the form `pulumi stack output --json` prints it, and the
// verifier reads each variant as deployed.
func TestOutputsFeedTheVerifier(t *testing.T) {
	for _, stack := range Scenarios {
		t.Run(stack, func(t *testing.T) {
			p, err := Stack(repo.Root(t), stack, Options{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(p.Outputs)
			if err != nil {
				t.Fatal(err)
			}
			var asPrinted map[string]any
			if err := json.Unmarshal(b, &asPrinted); err != nil {
				t.Fatal(err)
			}
			o, err := verify.ParseOutputs(asPrinted)
			if err != nil {
				t.Fatalf("the verifier cannot read the stack's outputs: %v", err)
			}
			if o.DeniedProbeBucket != offlineplan.Unknown("lab-denied-probe", "bucket") || len(o.RouteTableIDs) != 2 || len(o.SeedKeys) != 3 ||
				o.ProbeFunctionName != offlineplan.Unknown("lab-probe-fn", "name") || o.FlowLogID != offlineplan.Unknown("lab-flow-log", "id") {
				t.Errorf("verifier outputs: got %+v", o)
			}
			nat := o.InternetEgress == "nat" && o.NATGatewayID == offlineplan.Unknown("lab-nat", "id") && len(o.PublicSubnetIDs) == 2
			full := o.AccessPointARN != "" && o.TableName != "" && o.S3InterfaceEndpointID != "" && o.RestrictedFunctionName != "" &&
				o.InterfaceEndpointIDs["sts"] != "" && o.CrossRegionBucket != ""
			want := map[string][2]bool{"dev": {false, false}, "internet": {true, false}, "full": {true, true}}[stack]
			if nat != want[0] || full != want[1] {
				t.Errorf("%s: NAT outputs read as %v (want %v), every variant as %v (want %v): %+v", stack, nat, want[0], full, want[1], o)
			}
		})
	}
}

// TestFunctionEnvFeedsTheHandler: the environment the program gives the
// function is one the handler accepts, with the dev stack's values.
func TestFunctionEnvFeedsTheHandler(t *testing.T) {
	p, err := Stack(repo.Root(t), "dev", Options{})
	if err != nil {
		t.Fatal(err)
	}
	fn, ok := p.ByName("lab-fn")
	if !ok {
		t.Fatal("no function lab-fn")
	}
	vars := fn.Inputs["environment"].(map[string]any)["variables"].(map[string]any)
	cfg, err := handler.ConfigFromEnv(func(k string) string {
		if k == contract.EnvRegion {
			return "us-east-1" // set by the Lambda runtime
		}
		s, _ := vars[k].(string)
		return s
	})
	if err != nil {
		t.Fatalf("the handler refuses the program's environment: %v", err)
	}
	if cfg.MaxKeys != 1000 || cfg.ConnectTimeout != 2*time.Second || cfg.RequestTimeout != 5*time.Second ||
		cfg.ProbeInternetURL == "" || cfg.ProbeDeniedBucket == "" || cfg.Endpoint != "" {
		t.Errorf("handler config from the dev stack: got %+v", cfg)
	}
}

// projectCopy returns a project directory that holds the repository's files
// (by symbolic link, so the handler builds there) and stack files of its
// own: stack name → content.
func projectCopy(t *testing.T, stacks map[string]string) string {
	t.Helper()
	r := repo.Root(t)
	dir := t.TempDir()
	entries, err := os.ReadDir(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "Pulumi.") && name != "Pulumi.yaml" || name == ".build" || name == ".git" {
			continue
		}
		if err := os.Symlink(filepath.Join(r, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for stack, content := range stacks {
		if err := os.WriteFile(filepath.Join(dir, "Pulumi."+stack+".yaml"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestYourOwnStackPlansOffline: a stack file of your own account, as the
// README's "Deploy a stack to your own account" steps write it, plans
// offline: the account comes from its aws:allowedAccountIds, an SSO admin
// pattern of that account is accepted (the plan runs as a preview, so the
// placeholder deployer need not match it), a setting in another namespace is
// accepted and listed, and a secure: value needs no key.
func TestYourOwnStackPlansOffline(t *testing.T) {
	const account = "210987654321"
	sso := "arn:aws:iam::" + account + ":role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*"
	dir := projectCopy(t, map[string]string{"my-lab": `config:
  aws:region: eu-west-1
  aws:allowedAccountIds:
    - ` + account + `
  s3-gateway-lab:adminPrincipalArns:
    - ` + sso + `
  org:costCenter: "4711"
  org:apiToken:
    secure: AAABAKx2VGhpcyBpcyBub3QgYSByZWFsIGNpcGhlcnRleHQ=
`})
	p, err := Stack(dir, "my-lab", Options{})
	if err != nil {
		t.Fatalf("plan my-lab: %v", err)
	}
	if got := strs(p.Outputs["adminPrincipalArns"]); !slices.Equal(got, []string{sso}) {
		t.Errorf("admins: got %v, want %v", got, []string{sso})
	}
	if got := p.Outputs["region"]; got != "eu-west-1" {
		t.Errorf("region: got %v", got)
	}
	cfg, err := labstack.StackConfig(dir, "my-lab")
	if err != nil {
		t.Fatal(err)
	}
	// The account written as a number, as `pulumi config set --path`
	// writes it, is the plan's.
	if got := labstack.PinnedAccount(cfg); got != account {
		t.Errorf("pinned account: got %q, want %s", got, account)
	}
	if got := labstack.ForeignKeys(cfg, settings.Project); !slices.Equal(got, []string{"org:apiToken", "org:costCenter"}) {
		t.Errorf("foreign keys: got %v", got)
	}
	if cfg["org:apiToken"] != labstack.SecretPlaceholder {
		t.Errorf("secure value: got %q, want the placeholder", cfg["org:apiToken"])
	}
	// Without the pinned account, the SSO pattern is of another account than
	// the plan's: refused, naming the account.
	noPin := projectCopy(t, map[string]string{"my-lab": `config:
  aws:region: eu-west-1
  s3-gateway-lab:adminPrincipalArns:
    - ` + sso + `
`})
	if _, err := Stack(noPin, "my-lab", Options{}); err == nil || !strings.Contains(err.Error(), "not of this stack's account") {
		t.Errorf("plan without a pinned account: got %v, want the account error", err)
	}
	if _, err := Stack(noPin, "my-lab", Options{Account: account}); err != nil {
		t.Errorf("plan with the account given: %v", err)
	}
}

func strs(v any) []string {
	var out []string
	if list, ok := v.([]string); ok {
		return list
	}
	if list, ok := v.([]any); ok {
		for _, e := range list {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
