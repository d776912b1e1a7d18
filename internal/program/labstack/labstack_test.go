package labstack

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/platformlab/s3-gateway-lab/internal/proof/offlineplan"
	"github.com/platformlab/s3-gateway-lab/internal/proof/verify"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
	"github.com/platformlab/s3-gateway-lab/lambda/contract"
	"github.com/platformlab/s3-gateway-lab/lambda/handler"
)

var update = flag.Bool("update", false, "rewrite testdata/plan-<stack>.json from the program")

// Scenarios are the committed scenario stacks, each with its golden plan
// testdata/plan-<stack>.json.
var Scenarios = []string{"dev", "internet", "full"}

// TestGoldenPlans: each scenario stack's offline plan is committed as
// testdata/plan-<stack>.json; a change to the program that changes a plan
// fails here until the file is regenerated with -update and reviewed.
func TestGoldenPlans(t *testing.T) {
	r := repo.Root(t)
	for _, stack := range Scenarios {
		t.Run(stack, func(t *testing.T) {
			p, err := Plan(r, stack)
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
				t.Fatalf("read golden plan (run `go test ./internal/labstack -run TestGoldenPlans -update`): %v", err)
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
		if _, err := Plan(r, stack); err != nil {
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
	p, err := Plan(repo.Root(t), "dev")
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

// TestPulumiYAMLDeclaresEverySetting: every key the program reads is
// declared in Pulumi.yaml with a type, a description and a default, and
// nothing else is declared.
func TestPulumiYAMLDeclaresEverySetting(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repo.Root(t), "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var proj struct {
		Name    string `yaml:"name"`
		Runtime any    `yaml:"runtime"`
		Config  map[string]struct {
			Type        string `yaml:"type"`
			Description string `yaml:"description"`
			Default     any    `yaml:"default"`
		} `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &proj); err != nil {
		t.Fatal(err)
	}
	if proj.Name != Project || proj.Runtime != "go" {
		t.Errorf("Pulumi.yaml: name %q runtime %v, want %s and go", proj.Name, proj.Runtime, Project)
	}
	keys := Keys
	for _, k := range keys {
		c, ok := proj.Config[k]
		if !ok {
			t.Errorf("Pulumi.yaml does not declare %s", k)
			continue
		}
		if c.Type == "" || c.Description == "" || c.Default == nil {
			t.Errorf("Pulumi.yaml %s: type %q description %q default %v: want all three", k, c.Type, c.Description, c.Default)
		}
	}
	for k := range proj.Config {
		if !slices.Contains(keys, k) {
			t.Errorf("Pulumi.yaml declares %s, which the program does not read", k)
		}
	}
}

func TestStackConfig(t *testing.T) {
	cfg, err := StackConfig(repo.Root(t), "dev")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"aws:region":                       "us-east-1",
		"s3-gateway-lab:vpcCidr":           "10.42.0.0/16",
		"s3-gateway-lab:azCount":           "2",
		"s3-gateway-lab:forceDestroy":      "true",
		"s3-gateway-lab:availabilityZones": "[]",
	}
	for k, v := range want {
		if cfg[k] != v {
			t.Errorf("dev config %s: got %q, want %q", k, cfg[k], v)
		}
	}
	if _, err := StackConfig(repo.Root(t), "no-such-stack"); err == nil || !strings.Contains(err.Error(), "Pulumi.no-such-stack.yaml") {
		t.Errorf("StackConfig of a missing stack: got %v, want an error naming its file", err)
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
			cfg, err := StackConfig(repo.Root(t), "dev")
			if err != nil {
				t.Fatal(err)
			}
			if tt.value == "" {
				delete(cfg, tt.key)
			} else {
				cfg[tt.key] = tt.value
			}
			p, err := PlanConfig(repo.Root(t), "dev", cfg)
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
	cfg, err := StackConfig(repo.Root(t), "dev")
	if err != nil {
		t.Fatal(err)
	}
	cfg["s3-gateway-lab:azCount"] = "two"
	cfg["s3-gateway-lab:vpcCidr"] = "10.0.0.0/33"
	cfg["s3-gateway-lab:lambdaMemoryMb"] = "64"
	cfg["s3-gateway-lab:bucketPrefx"] = "lab"
	p, err := PlanConfig(repo.Root(t), "dev", cfg)
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
	_, err := Plan(dir, "odd")
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

// TestAWSProviderKeysFromTheProvider: the accepted aws:* keys come from the
// provider SDK's own type, and include the ones the program reads.
func TestAWSProviderKeysFromTheProvider(t *testing.T) {
	keys := awsProviderKeys()
	for _, k := range []string{AWSRegion, AWSProfile, AWSSharedConfigFiles, AWSSharedCredentialsFiles, AWSAssumeRole,
		"aws:skipMetadataApiCheck", "aws:defaultTags"} {
		if !slices.Contains(keys, strings.TrimPrefix(k, "aws:")) {
			t.Errorf("the AWS provider's keys lack %s: %v", k, keys)
		}
	}
	if len(keys) < 30 {
		t.Errorf("only %d AWS provider keys found: %v", len(keys), keys)
	}
}

// TestEngineConfig: the program reads the whole configuration from the
// variable the Go SDK reads it from.
func TestEngineConfig(t *testing.T) {
	t.Setenv("PULUMI_CONFIG", `{"aws:region":"eu-west-1","s3-gateway-lab:azCount":"3"}`)
	got, err := EngineConfig()
	if err != nil || got["aws:region"] != "eu-west-1" || got["s3-gateway-lab:azCount"] != "3" {
		t.Errorf("EngineConfig: got %v, %v", got, err)
	}
	t.Setenv("PULUMI_CONFIG", `{not json`)
	if _, err := EngineConfig(); err == nil || !strings.Contains(err.Error(), "PULUMI_CONFIG") {
		t.Errorf("EngineConfig of bad JSON: got %v", err)
	}
}

// TestExpiryTag: expiresAt is tagged on every tagged resource, so a stray
// ephemeral stack can be found and removed.
func TestExpiryTag(t *testing.T) {
	cfg, err := StackConfig(repo.Root(t), "dev")
	if err != nil {
		t.Fatal(err)
	}
	cfg["s3-gateway-lab:expiresAt"] = "2026-11-23T01:00:00+01:00"
	p, err := PlanConfig(repo.Root(t), "eph-1", cfg)
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
		if tags[TagExpiresAt] != "2026-11-23T00:00:00Z" || tags[TagStack] != "eph-1" {
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
			p, err := Plan(repo.Root(t), stack)
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
	p, err := Plan(repo.Root(t), "dev")
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

// TestStackConfigFiles: the stack files are read by the engine's loaders —
// a Pulumi.yaml the project schema refuses is an error, bare keys take the
// project's namespace, list values arrive as JSON, a secure: value arrives
// as a placeholder, and a top-level key Pulumi does not read is a
// FileProblem.
func TestStackConfigFiles(t *testing.T) {
	write := func(t *testing.T, dir, name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	project := "name: p\nruntime: go\nconfig:\n  size:\n    type: integer\n    default: 3\n"
	t.Run("values", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "Pulumi.yaml", project)
		write(t, dir, "Pulumi.s.yaml", "config:\n  aws:region: us-east-1\n  zones:\n    - a\n    - b\n"+
			"  aws:secretKey:\n    secure: AAABAKx2\nplugins: {}\n")
		cfg, err := StackConfig(dir, "s")
		var problems FileProblems
		if !errors.As(err, &problems) || len(problems) != 1 || !strings.Contains(problems[0].Error(), `"plugins"`) {
			t.Errorf("got %v, want one problem naming the top-level key plugins", err)
		}
		want := map[string]string{"p:size": "3", "aws:region": "us-east-1", "p:zones": `["a","b"]`, "aws:secretKey": SecretPlaceholder}
		if !maps.Equal(cfg, want) {
			t.Errorf("got %v, want %v", cfg, want)
		}
	})
	t.Run("project schema", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "Pulumi.yaml", "name: p\nruntime: go\nconfig:\n  size:\n    type: integer\n    default: 3\n    bogus: 1\n")
		write(t, dir, "Pulumi.s.yaml", "config: {}\n")
		if _, err := StackConfig(dir, "s"); err == nil {
			t.Error("got no error for a Pulumi.yaml the project schema refuses")
		}
	})
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
	p, err := Plan(dir, "my-lab")
	if err != nil {
		t.Fatalf("plan my-lab: %v", err)
	}
	if got := strs(p.Outputs["adminPrincipalArns"]); !slices.Equal(got, []string{sso}) {
		t.Errorf("admins: got %v, want %v", got, []string{sso})
	}
	if got := p.Outputs["region"]; got != "eu-west-1" {
		t.Errorf("region: got %v", got)
	}
	cfg, err := StackConfig(dir, "my-lab")
	if err != nil {
		t.Fatal(err)
	}
	// The account written as a number, as `pulumi config set --path`
	// writes it, is the plan's.
	if got := PinnedAccount(cfg); got != account {
		t.Errorf("pinned account: got %q, want %s", got, account)
	}
	if got := ForeignKeys(cfg, Project); !slices.Equal(got, []string{"org:apiToken", "org:costCenter"}) {
		t.Errorf("foreign keys: got %v", got)
	}
	if cfg["org:apiToken"] != SecretPlaceholder {
		t.Errorf("secure value: got %q, want the placeholder", cfg["org:apiToken"])
	}
	// Without the pinned account, the SSO pattern is of another account than
	// the plan's: refused, naming the account.
	noPin := projectCopy(t, map[string]string{"my-lab": `config:
  aws:region: eu-west-1
  s3-gateway-lab:adminPrincipalArns:
    - ` + sso + `
`})
	if _, err := Plan(noPin, "my-lab"); err == nil || !strings.Contains(err.Error(), "not of this stack's account") {
		t.Errorf("plan without a pinned account: got %v, want the account error", err)
	}
	if _, err := PlanAccount(noPin, "my-lab", account); err != nil {
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
