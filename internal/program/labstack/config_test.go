package labstack

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

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
	if proj.Name != settings.Project || proj.Runtime != "go" {
		t.Errorf("Pulumi.yaml: name %q runtime %v, want %s and go", proj.Name, proj.Runtime, settings.Project)
	}
	keys := settings.Keys
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

// TestAWSProviderKeysFromTheProvider: the accepted aws:* keys come from the
// provider SDK's own type, and include the ones the program reads.
func TestAWSProviderKeysFromTheProvider(t *testing.T) {
	keys := awsProviderKeys()
	for _, k := range []string{settings.AWSRegion, settings.AWSProfile, settings.AWSSharedConfigFiles, settings.AWSSharedCredentialsFiles, settings.AWSAssumeRole,
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
