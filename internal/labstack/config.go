package labstack

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	"gopkg.in/yaml.v3"

	"github.com/platformlab/s3-gateway-lab/components"
)

// Configuration keys of the project (Pulumi.yaml declares each with its type,
// description and default; the defaults live there only).
const (
	KeyVPCCIDR              = "vpcCidr"
	KeySubnetPrefixLength   = "subnetPrefixLength"
	KeyAZCount              = "azCount"
	KeyAvailabilityZones    = "availabilityZones"
	KeyBucketPrefix         = "bucketPrefix"
	KeyForceDestroy         = "forceDestroy"
	KeyLambdaMemoryMB       = "lambdaMemoryMb"
	KeyLambdaTimeoutSeconds = "lambdaTimeoutSeconds"
	KeyLogRetentionDays     = "logRetentionDays"
	KeyMaxKeys              = "maxKeys"
	KeyConnectTimeoutMS     = "connectTimeoutMs"
	KeyRequestTimeoutMS     = "requestTimeoutMs"
	KeyCrossRegion          = "crossRegion"
	KeyExpiresAt            = "expiresAt"
)

// Tag keys the program puts on every taggable resource.
const (
	TagProject   = "lab:project"
	TagStack     = "lab:stack"
	TagExpiresAt = "lab:expires-at"
)

// ArgsFromConfig reads the lab's settings from the stack configuration. Every
// problem is reported at once, naming the key and the value.
func ArgsFromConfig(ctx *pulumi.Context) (*components.S3GatewayLabArgs, error) {
	cfg := config.New(ctx, "")
	r := reader{get: cfg.Get, namespace: ctx.Project()}
	args := &components.S3GatewayLabArgs{
		VPCCIDR:              r.str(KeyVPCCIDR),
		SubnetPrefixLength:   r.integer(KeySubnetPrefixLength),
		AZCount:              r.integer(KeyAZCount),
		AvailabilityZones:    r.strings(KeyAvailabilityZones),
		BucketPrefix:         r.str(KeyBucketPrefix),
		ForceDestroy:         r.boolean(KeyForceDestroy),
		LambdaMemoryMB:       r.integer(KeyLambdaMemoryMB),
		LambdaTimeoutSeconds: r.integer(KeyLambdaTimeoutSeconds),
		LogRetentionDays:     r.integer(KeyLogRetentionDays),
		MaxKeys:              r.integer(KeyMaxKeys),
		ConnectTimeoutMS:     r.integer(KeyConnectTimeoutMS),
		RequestTimeoutMS:     r.integer(KeyRequestTimeoutMS),
		CrossRegion:          r.optional(KeyCrossRegion),
		Tags: map[string]string{
			TagProject: ctx.Project(),
			TagStack:   ctx.Stack(),
		},
	}
	if expires := r.optional(KeyExpiresAt); expires != "" {
		t, err := time.Parse(time.RFC3339, expires)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s:%s %q: accepted: an RFC 3339 time such as 2026-11-22T20:00:00Z, or empty",
				r.namespace, KeyExpiresAt, expires))
		} else {
			args.Tags[TagExpiresAt] = t.UTC().Format(time.RFC3339)
		}
	}
	if err := errors.Join(r.errs...); err != nil {
		return nil, fmt.Errorf("invalid stack configuration:\n%w", err)
	}
	return args, nil
}

// reader reads typed values and collects errors.
type reader struct {
	get       func(key string) string
	namespace string
	errs      []error
}

func (r *reader) raw(key string) (string, bool) {
	v := r.get(key)
	if v == "" {
		r.errs = append(r.errs, fmt.Errorf("%s:%s is not set: Pulumi.yaml declares its default; run from the project directory",
			r.namespace, key))
		return "", false
	}
	return v, true
}

// optional reads a setting whose empty value means "off".
func (r *reader) optional(key string) string {
	return strings.TrimSpace(r.get(key))
}

func (r *reader) str(key string) string {
	v, _ := r.raw(key)
	return v
}

func (r *reader) integer(key string) int {
	v, ok := r.raw(key)
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s:%s %q: accepted: an integer", r.namespace, key, v))
	}
	return n
}

func (r *reader) boolean(key string) bool {
	v, ok := r.raw(key)
	if !ok {
		return false
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s:%s %q: accepted: true or false", r.namespace, key, v))
	}
	return b
}

func (r *reader) strings(key string) []string {
	v, ok := r.raw(key)
	if !ok {
		return nil
	}
	var out []string
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s:%s %q: accepted: a list of strings, such as [\"us-east-1a\",\"us-east-1b\"]",
			r.namespace, key, v))
	}
	return out
}

// projectFile is the part of Pulumi.yaml the offline plan reads.
type projectFile struct {
	Name   string `yaml:"name"`
	Config map[string]struct {
		Default any `yaml:"default"`
	} `yaml:"config"`
}

// stackFile is the part of Pulumi.<stack>.yaml the offline plan reads.
type stackFile struct {
	Config map[string]any `yaml:"config"`
}

// StackConfig returns the configuration the engine would pass to the program
// for stack: Pulumi.yaml's defaults overlaid with Pulumi.<stack>.yaml's
// values, with fully qualified keys and string values. Secrets are not
// supported (the lab has none).
func StackConfig(root, stack string) (map[string]string, error) {
	var proj projectFile
	if err := readYAML(filepath.Join(root, "Pulumi.yaml"), &proj); err != nil {
		return nil, err
	}
	if proj.Name == "" {
		return nil, fmt.Errorf("%s: no project name", filepath.Join(root, "Pulumi.yaml"))
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
		out[qualify(proj.Name, key)] = v
	}
	var st stackFile
	path := filepath.Join(root, "Pulumi."+stack+".yaml")
	if err := readYAML(path, &st); err != nil {
		return nil, err
	}
	for key, val := range st.Config {
		if m, ok := val.(map[string]any); ok && m["secure"] != nil {
			return nil, fmt.Errorf("%s: %s is a secret: the offline plan does not read secrets", path, key)
		}
		v, err := configString(val)
		if err != nil {
			return nil, fmt.Errorf("%s: config %s: %w", path, key, err)
		}
		out[qualify(proj.Name, key)] = v
	}
	return out, nil
}

func readYAML(path string, into any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read stack configuration: %w", err)
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return nil
}

// qualify prefixes a bare key with the project's namespace.
func qualify(project, key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return project + ":" + key
}

// configString renders a YAML value as the engine passes it: scalars as
// text, lists and maps as JSON.
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
