package labstack

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"gopkg.in/yaml.v3"
)

// SecretPlaceholder is the value StackConfig gives a secure: setting: the
// offline plan has no key to decrypt it and needs no plaintext.
const SecretPlaceholder = "[secret]"

// StackConfig returns the configuration the engine would pass to the program
// for stack: Pulumi.yaml's defaults overlaid with Pulumi.<stack>.yaml's
// values, with fully qualified keys and string values. The files are read by
// the engine's own loaders (workspace.LoadProject, which validates
// Pulumi.yaml against the project schema, and workspace.LoadProjectStack,
// which namespaces the stack's keys); the defaults are applied as pkg/v3's
// workspace.ValidateStackConfigAndApplyProjectConfig applies them, which
// tools/preview runs and checks against this (the root module does not import
// pkg/v3, whose dependencies the program does not need). Top-level keys of the stack file
// the engine does not read are returned as FileProblems, with the
// configuration.
func StackConfig(root, stack string) (map[string]string, error) {
	proj, ps, path, err := LoadStackFiles(root, stack)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for key, decl := range proj.Config {
		if decl.Default == nil {
			continue
		}
		v, err := configString(decl.Default)
		if err != nil {
			return nil, fmt.Errorf("default of config %s in Pulumi.yaml: %w", key, err)
		}
		out[qualify(proj.Name.String(), key)] = v
	}
	for key, val := range ps.Config {
		if val.Secure() {
			out[key.String()] = SecretPlaceholder
			continue
		}
		v, err := val.Value(config.NopDecrypter)
		if err != nil {
			return nil, fmt.Errorf("%s: config %s: %w", path, key, err)
		}
		out[key.String()] = v
	}
	if problems := stackFileProblems(path); len(problems) > 0 {
		return out, problems
	}
	return out, nil
}

// stackFileProblems reports the top-level keys of the stack file at path
// that Pulumi does not read (the engine's loader passes over them).
func stackFileProblems(path string) FileProblems {
	data, err := os.ReadFile(path)
	if err != nil {
		return FileProblems{fmt.Errorf("read stack configuration: %w", err)}
	}
	var st map[string]any
	if err := yaml.Unmarshal(data, &st); err != nil {
		return FileProblems{fmt.Errorf("parse %s: %w", path, err)}
	}
	var problems FileProblems
	for _, key := range slices.Sorted(maps.Keys(st)) {
		if !slices.Contains(stackFileKeys, key) {
			problems = append(problems, fmt.Errorf("%s: top-level key %q is not read by Pulumi: accepted %v; a setting goes under the config key",
				path, key, stackFileKeys))
		}
	}
	return problems
}

// LoadStackFiles reads Pulumi.yaml and Pulumi.<stack>.yaml of the project in
// root with the engine's loaders (workspace.LoadProject, which validates the
// project against its schema, and workspace.LoadProjectStack), and returns
// them with the stack file's path. A missing stack file is an error.
func LoadStackFiles(root, stack string) (*workspace.Project, *workspace.ProjectStack, string, error) {
	proj, err := workspace.LoadProject(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		return nil, nil, "", fmt.Errorf("read stack configuration: %w", err)
	}
	path := filepath.Join(root, "Pulumi."+stack+".yaml")
	// LoadProjectStack answers an empty configuration for a missing file.
	if _, err := os.Stat(path); err != nil {
		return nil, nil, "", fmt.Errorf("read stack configuration: %w", err)
	}
	ps, err := workspace.LoadProjectStack(nil, proj, path)
	if err != nil {
		return nil, nil, "", fmt.Errorf("read stack configuration %s: %w", path, err)
	}
	return proj, ps, path, nil
}

// qualify prefixes a bare key with the project's namespace.
func qualify(project, key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return project + ":" + key
}

// configString renders a default from Pulumi.yaml as the engine passes it:
// scalars as text, lists and maps as JSON.
func configString(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case int, int64, float64, bool:
		return fmt.Sprint(t), nil
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
}
