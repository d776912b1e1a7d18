package labstack

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformlab/s3-gateway-lab/components"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
)

// EngineConfig returns the whole configuration the Pulumi engine passed to
// the program (fully qualified keys, string values). The Go SDK reads it from
// the same environment variable; it offers no call that lists the keys, which
// the program needs to refuse the ones it does not know.
func EngineConfig() (map[string]string, error) {
	all := map[string]string{}
	if raw := os.Getenv(pulumi.EnvConfig); raw != "" {
		if err := json.Unmarshal([]byte(raw), &all); err != nil {
			return nil, fmt.Errorf("read the stack configuration from %s: %w", pulumi.EnvConfig, err)
		}
	}
	return all, nil
}

// ArgsFromConfig reads the lab's settings from all, the stack's whole
// configuration, and checks them. Every problem is reported at once: keys
// nobody reads (with the nearest accepted key), values of the wrong type, and
// values the lab refuses, naming the key, the value and what is accepted. A
// setting whose value has the wrong type is not checked further, so that one
// mistake is not reported twice.
func ArgsFromConfig(all map[string]string, project, stack string, problems ...error) (*components.S3GatewayLabArgs, error) {
	r := reader{all: all, namespace: project, failed: map[string]bool{}}
	r.errs = append(problems, CheckKeys(all, project)...)
	args := &components.S3GatewayLabArgs{
		VPCCIDR:                r.str(settings.KeyVPCCIDR),
		SubnetPrefixLength:     r.integer(settings.KeySubnetPrefixLength),
		AZCount:                r.integer(settings.KeyAZCount),
		AvailabilityZones:      r.strings(settings.KeyAvailabilityZones),
		ExcludeZoneIDs:         r.strings(settings.KeyExcludeZoneIDs),
		BucketPrefix:           r.str(settings.KeyBucketPrefix),
		ForceDestroy:           r.boolean(settings.KeyForceDestroy),
		AdminPrincipalARNs:     r.strings(settings.KeyAdminPrincipalARNs),
		PermissionsBoundaryARN: r.optional(settings.KeyPermissionsBoundary),
		IAMPath:                r.str(settings.KeyIAMPath),
		LambdaMemoryMB:         r.integer(settings.KeyLambdaMemoryMB),
		LambdaTimeoutSeconds:   r.integer(settings.KeyLambdaTimeoutSeconds),
		LogRetentionDays:       r.integer(settings.KeyLogRetentionDays),
		MaxKeys:                r.integer(settings.KeyMaxKeys),
		ConnectTimeoutMS:       r.integer(settings.KeyConnectTimeoutMS),
		RequestTimeoutMS:       r.integer(settings.KeyRequestTimeoutMS),
		CrossRegion:            r.optional(settings.KeyCrossRegion),
		AWSProvider:            r.awsProvider(),
		InternetEgress:         r.str(settings.KeyInternetEgress),
		S3Endpoints:            r.strings(settings.KeyS3Endpoints),
		AccessPoint:            r.boolean(settings.KeyAccessPoint),
		DynamoDB:               r.boolean(settings.KeyDynamoDB),
		InterfaceEndpoints:     r.strings(settings.KeyInterfaceEndpoints),
		BedrockModelID:         r.str(settings.KeyBedrockModelID),
		RestrictedTier:         r.boolean(settings.KeyRestrictedTier),
		RestrictedPrefix:       r.str(settings.KeyRestrictedPrefix),
		FlowLogs:               r.str(settings.KeyFlowLogs),
		Tags: map[string]string{
			settings.TagProject: project,
			settings.TagStack:   stack,
		},
		OrganizationTags: r.stringMap(settings.KeyTags),
	}
	if prefix := r.str(settings.KeyNamePrefix); prefix != "" && !namePrefixRE.MatchString(prefix) {
		r.fail(settings.KeyNamePrefix, prefix, "1 to 20 lowercase letters, digits and hyphens, starting with a letter, such as dev-lab")
	}
	if expires := r.optional(settings.KeyExpiresAt); expires != "" {
		t, err := time.Parse(time.RFC3339, expires)
		if err != nil {
			r.fail(settings.KeyExpiresAt, expires, "an RFC 3339 time such as 2026-11-22T20:00:00Z, or empty")
		} else {
			args.Tags[settings.TagExpiresAt] = t.UTC().Format(time.RFC3339)
		}
	}
	for _, p := range args.Problems() {
		if !r.failed[p.Setting] {
			r.errs = append(r.errs, p)
		}
	}
	if err := errors.Join(r.errs...); err != nil {
		return nil, fmt.Errorf("invalid stack configuration:\n%w", err)
	}
	return args, nil
}

// CheckKeys returns a problem for every key of all that the program does not
// read: a key of the project that it does not declare, a key of the AWS
// provider that the provider does not take, a key without a namespace or of
// a namespace that looks like a misspelling of the project's or aws; and for
// a missing or malformed aws:region. Each names the nearest accepted key when
// there is one. Keys of other namespaces are other tools' settings (policy
// packs, Pulumi ESC, an organization's cost centre): accepted, and listed by
// ForeignKeys.
func CheckKeys(all map[string]string, project string) []error {
	var errs []error
	keys := slices.Sorted(maps.Keys(all))
	accepted := acceptedKeys(project)
	for _, key := range keys {
		ns, name, ok := strings.Cut(key, ":")
		switch {
		case ok && ns == project && slices.Contains(settings.Keys, name),
			ok && ns == "aws" && slices.Contains(awsProviderKeys(), name),
			ok && ns == "pulumi", // the engine's own settings
			ok && foreignNamespace(ns, project):
			continue
		}
		msg := fmt.Sprintf("%s: unknown configuration key", key)
		switch {
		case !ok:
			msg = fmt.Sprintf("%s: a key without a namespace", key)
		case ns != project && ns != "aws":
			msg = fmt.Sprintf("%s: namespace %q is neither the project's (%s) nor the AWS provider's (aws)", key, ns, project)
		}
		if near := nearest(name, accepted); near != "" {
			msg += fmt.Sprintf("; did you mean %s?", near)
		}
		errs = append(errs, fmt.Errorf("%s; accepted keys: %s:{%s}, and the AWS provider's aws:* settings", msg, project,
			strings.Join(settings.Keys, ",")))
	}
	switch region, ok := all[settings.AWSRegion]; {
	case !ok || region == "":
		errs = append(errs, fmt.Errorf("%s is not set: accepted a region such as us-east-1 (pulumi config set aws:region us-east-1)", settings.AWSRegion))
	case !components.IsRegionName(region):
		errs = append(errs, fmt.Errorf("%s %q: not an AWS region name: accepted a region such as us-east-1", settings.AWSRegion, region))
	}
	return errs
}

// foreignNamespace reports whether ns is another tool's namespace: neither
// the project's nor aws, nor within two edits of either (a misspelling).
func foreignNamespace(ns, project string) bool {
	return ns != "" && ns != project && ns != "aws" && ns != "pulumi" &&
		editDistance(ns, project) > 2 && editDistance(ns, "aws") > 1
}

// ForeignKeys are the keys of all in other tools' namespaces (CheckKeys
// accepts them; the program does not read them), sorted.
func ForeignKeys(all map[string]string, project string) []string {
	var out []string
	for key := range all {
		if ns, _, ok := strings.Cut(key, ":"); ok && foreignNamespace(ns, project) {
			out = append(out, key)
		}
	}
	slices.Sort(out)
	return out
}

// acceptedKeys are the fully qualified keys a stack may set.
func acceptedKeys(project string) []string {
	var out []string
	for _, k := range settings.Keys {
		out = append(out, project+":"+k)
	}
	for _, k := range awsProviderKeys() {
		out = append(out, "aws:"+k)
	}
	return out
}

// awsProviderKeys are the configuration keys the AWS provider takes: the
// names of its arguments, read from the provider SDK's own Go type (the
// pulumi tags of aws.ProviderArgs's element type), so that they follow the
// provider version pinned in go.mod.
func awsProviderKeys() []string {
	t := aws.ProviderArgs{}.ElementType()
	var out []string
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("pulumi"), ","); tag != "" {
			out = append(out, tag)
		}
	}
	return out
}

// nearest returns the accepted key closest to name (compared with its
// namespace and without), if one is close enough to be a likely typo.
func nearest(name string, accepted []string) string {
	best, bestDist := "", 0
	for _, a := range accepted {
		_, bare, _ := strings.Cut(a, ":")
		d := min(editDistance(strings.ToLower(name), strings.ToLower(bare)), editDistance(strings.ToLower(name), strings.ToLower(a)))
		if best == "" || d < bestDist {
			best, bestDist = a, d
		}
	}
	if bestDist > max(2, len(name)/3) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// reader reads typed values and collects errors; failed holds the keys whose
// values could not be read.
type reader struct {
	all       map[string]string
	namespace string
	errs      []error
	failed    map[string]bool
}

func (r *reader) get(key string) string { return r.all[r.namespace+":"+key] }

func (r *reader) fail(key, value, accepted string) {
	r.failed[key] = true
	r.errs = append(r.errs, fmt.Errorf("%s:%s %q: accepted: %s", r.namespace, key, value, accepted))
}

func (r *reader) raw(key string) (string, bool) {
	v := r.get(key)
	if v == "" {
		r.failed[key] = true
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
		r.fail(key, v, "an integer")
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
		r.fail(key, v, "true or false")
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
		r.fail(key, v, `a list of strings, such as ["a","b"]`)
	}
	return out
}

// awsProvider reads the stack's AWS provider settings that the other
// region's provider repeats. aws:assumeRole is decoded into the provider
// SDK's own type; a field it does not have is an error.
func (r *reader) awsProvider() components.ProviderSettings {
	var p components.ProviderSettings
	p.Profile = strings.TrimSpace(r.all[settings.AWSProfile])
	p.AccessKey, p.SecretKey, p.Token = r.all[settings.AWSAccessKey], r.all[settings.AWSSecretKey], r.all[settings.AWSToken]
	for key, into := range map[string]*[]string{settings.AWSSharedConfigFiles: &p.SharedConfigFiles, settings.AWSSharedCredentialsFiles: &p.SharedCredentialsFiles} {
		if v := r.all[key]; v != "" {
			if err := json.Unmarshal([]byte(v), into); err != nil {
				r.errs = append(r.errs, fmt.Errorf("%s %q: accepted: a list of file paths", key, v))
			}
		}
	}
	if v := r.all[settings.AWSAssumeRole]; v != "" {
		var role aws.ProviderAssumeRole
		if r.decodeStrict(settings.AWSAssumeRole, v, &role, "roleArn and optionally sessionName, externalId, duration, policy, "+
			"policyArns, sourceIdentity, tags, transitiveTagKeys") {
			p.AssumeRole = &role
		}
	}
	if v := r.all[settings.AWSDefaultTags]; v != "" {
		var tags aws.ProviderDefaultTags
		if r.decodeStrict(settings.AWSDefaultTags, v, &tags, "tags") {
			p.DefaultTags = tags.Tags
		}
	}
	if v := r.all[settings.AWSAssumeRoleWebIdentity]; v != "" {
		var role aws.ProviderAssumeRoleWithWebIdentity
		if r.decodeStrict(settings.AWSAssumeRoleWebIdentity, v, &role, "roleArn and webIdentityToken or webIdentityTokenFile, and "+
			"optionally sessionName, duration, policy, policyArns") {
			p.AssumeRoleWithWebIdentity = &role
		}
	}
	return p
}

// stringMap reads a setting whose value is an object of strings.
func (r *reader) stringMap(key string) map[string]string {
	raw, ok := r.raw(key)
	if !ok || raw == "" {
		return nil
	}
	// `pulumi config set --path KEY.NAME 4711` stores a number: scalars are
	// taken as their text, as a tag value is.
	var raw2 map[string]any
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	m := map[string]string{}
	err := dec.Decode(&raw2)
	for k, v := range raw2 {
		switch t := v.(type) {
		case string:
			m[k] = t
		case json.Number, bool:
			m[k] = fmt.Sprint(t)
		default:
			err = fmt.Errorf("%s is not a scalar", k)
		}
	}
	if err != nil || raw2 == nil {
		r.fail(key, raw, `an object of strings, such as {"cost-center": "4711", "owner": "platform"} (pulumi config set --path 's3-gateway-lab:tags.owner' platform)`)
		return nil
	}
	return m
}

// decodeStrict decodes the JSON object v of key into the provider SDK's type
// into; a field the type does not have is an error naming the accepted ones.
func (r *reader) decodeStrict(key, v string, into any, accepted string) bool {
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		r.failed[key] = true
		r.errs = append(r.errs, fmt.Errorf("%s %q: %v: accepted: an object with %s", key, v, err, accepted))
		return false
	}
	return true
}

// stackFileKeys are the top-level keys of a stack settings file
// (https://www.pulumi.com/docs/iac/concepts/projects/stack-settings-file/).
var stackFileKeys = []string{"config", "encryptedkey", "encryptionsalt", "environment", "secretsprovider"}

// FileProblems are mistakes in a stack settings file's layout that the
// engine would pass over silently, such as a setting outside config:. The
// configuration StackConfig returns with them is still complete.
type FileProblems []error

func (f FileProblems) Error() string { return errors.Join(f...).Error() }

// Unwrap returns the problems.
func (f FileProblems) Unwrap() []error { return f }
