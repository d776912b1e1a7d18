package components

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"maps"
	"unicode/utf8"

	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

// Limits the lab's settings are checked against.
const (
	MinAZCount = 1
	MaxAZCount = 6

	MinLambdaMemoryMB = 128   // Lambda's documented minimum
	MaxLambdaMemoryMB = 10240 // Lambda's documented maximum
	MinLambdaTimeout  = 1     // seconds
	MaxLambdaTimeout  = 900   // seconds

	// MaxBucketPrefixLen leaves room for the stack name and the 26 characters
	// the AWS provider appends to a bucket prefix (63 in all).
	MaxBucketPrefixLen = 20
	minBucketPrefixLen = 3
	// maxProviderBucketPrefix is the AWS provider's limit on bucketPrefix.
	maxProviderBucketPrefix = 37
)

// LogRetentionDays are the retention periods CloudWatch Logs accepts
// (PutRetentionPolicy).
var LogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
	2192, 2557, 2922, 3288, 3653}

// DefaultSeedObjects are the objects written to the lab bucket when
// S3GatewayLabArgs.SeedObjects is empty, so that a listing shows something.
var DefaultSeedObjects = map[string]string{
	"hello.txt":         "Hello from the S3 gateway endpoint lab.\n",
	"data/sample.json":  `{"lab":"s3-gateway-endpoint","path":"vpc-gateway-endpoint"}` + "\n",
	"reports/README.md": "# Reports\n\nObjects the lab's Lambda lists through the VPC gateway endpoint.\n",
}

// S3GatewayLabArgs are the settings of an S3GatewayLab. Field comments name
// the stack configuration key each field is read from; validation errors use
// those names. Structural settings are plain Go values so that they are
// checked and planned before anything is registered.
type S3GatewayLabArgs struct {
	// VPCCIDR (vpcCidr) is the VPC's IPv4 CIDR block, /16 to /28.
	VPCCIDR string
	// SubnetPrefixLength (subnetPrefixLength) is the prefix length of each
	// private subnet, carved from the start of the VPC CIDR.
	SubnetPrefixLength int
	// AZCount (azCount) is how many availability zones get a private subnet.
	AZCount int
	// AvailabilityZones (availabilityZones), when set, names the zones to use
	// (its length must equal AZCount); otherwise the first AZCount zones of
	// the region that need no opt-in and are not excluded are used.
	AvailabilityZones []string
	// ExcludeZoneIDs (excludeZoneIds) are zone IDs (such as use1-az3) never
	// to use. Zone names map to different physical zones in each account;
	// zone IDs do not, so a zone where Lambda cannot place its interfaces is
	// excluded by its ID.
	ExcludeZoneIDs []string
	// BucketPrefix (bucketPrefix) starts the lab bucket's name.
	BucketPrefix string
	// AdminPrincipalARNs (adminPrincipalArns) are the IAM roles and users
	// that may manage the lab bucket from outside the VPC (read objects and
	// versions: `pulumi up`, `refresh`, `destroy`): the CI role and the
	// people's roles. Entries may be ArnLike patterns with * and ? in the
	// role or user part, for SSO roles (role/aws-reserved/sso.amazonaws.com/*).
	// Empty means the identity running the update. They must be of the
	// stack's account, and must include the identity running the update.
	AdminPrincipalARNs []string
	// PermissionsBoundaryARN (permissionsBoundaryArn), when set, is the
	// managed policy every role the lab creates gets as its permissions
	// boundary, for organizations whose SCPs require one on iam:CreateRole.
	PermissionsBoundaryARN string
	// IAMPath (iamPath) is the path of every role the lab creates ("/" by
	// default: AWS's own default, so the roles' inputs do not change).
	IAMPath string
	// ForceDestroy (forceDestroy) lets `pulumi destroy` delete a bucket that
	// still holds objects and versions.
	ForceDestroy bool
	// CrossRegion (crossRegion), when set, adds a bucket in that region that
	// the private subnets must not reach (lab document 003).
	CrossRegion string
	// AWSProvider are the settings of the stack's AWS provider that an
	// explicit provider (the other region's) must repeat, since explicit
	// providers do not read the stack's aws:* configuration.
	AWSProvider ProviderSettings
	// SeedObjects are written to the bucket; DefaultSeedObjects when empty.
	SeedObjects map[string]string
	// LambdaMemoryMB (lambdaMemoryMb) and LambdaTimeoutSeconds
	// (lambdaTimeoutSeconds) size the function.
	LambdaMemoryMB       int
	LambdaTimeoutSeconds int
	// LogRetentionDays (logRetentionDays) is the log group's retention.
	LogRetentionDays int
	// MaxKeys (maxKeys) bounds how many keys one listing returns.
	MaxKeys int
	// ConnectTimeoutMS (connectTimeoutMs) and RequestTimeoutMS
	// (requestTimeoutMs) bound the function's S3 calls so that a blocked
	// path fails in seconds.
	ConnectTimeoutMS int
	RequestTimeoutMS int

	// The variants of the lab documents, each a step of the component.

	// InternetEgress (internetEgress) is how the private subnets reach the
	// internet: EgressNone, or EgressNAT (public subnets, an internet
	// gateway and one NAT gateway; lab document 002 Examples 1 and 3).
	InternetEgress string
	// S3Endpoints (s3Endpoints) are the S3 endpoints of the private
	// subnets: EndpointGateway and/or EndpointInterface (000, 001, 004).
	S3Endpoints []string
	// AccessPoint (accessPoint) adds an access point with VPC network
	// origin; the gateway endpoint then admits the lab's data only through
	// it (004).
	AccessPoint bool
	// DynamoDB (dynamodb) adds a table and a DynamoDB gateway endpoint
	// (001, 003, 004).
	DynamoDB bool
	// InterfaceEndpoints (interfaceEndpoints) are other AWS services reached
	// through interface endpoints, by short name (InterfaceServices).
	InterfaceEndpoints []string
	// BedrockModelID (bedrockModelId) is the one model the bedrock-runtime
	// endpoint policy lets the function invoke (004).
	BedrockModelID string
	// RestrictedTier (restrictedTier) adds a second set of private subnets
	// with their own S3 gateway endpoint, whose policy allows only reads
	// under RestrictedPrefix (restrictedPrefix) (002).
	RestrictedTier   bool
	RestrictedPrefix string
	// FlowLogs (flowLogs) is where the VPC's flow logs go: FlowLogsOff,
	// FlowLogsCloudWatch or FlowLogsS3.
	FlowLogs string

	// HandlerCode is the packaged handler: a zip with an executable
	// `bootstrap` for provided.al2023 on arm64 (see internal/program/handlerbuild).
	HandlerCode pulumi.Archive
	// Tags are added to every taggable resource: the lab's own (lab:*).
	Tags map[string]string
	// OrganizationTags (tags) are the organization's tags (cost allocation,
	// owner), added to every taggable resource and to the explicit
	// providers' default tags. Their keys may not start with aws: (AWS's)
	// or lab: (the lab's own).
	OrganizationTags map[string]string
}

// Values of the variant settings; those that are outputs too are the
// contract's.
const (
	EgressNone = contract.EgressNone
	EgressNAT  = contract.EgressNAT

	EndpointGateway   = "gateway"
	EndpointInterface = "interface"

	FlowLogsOff        = contract.FlowLogsOff
	FlowLogsCloudWatch = contract.FlowLogsCloudWatch
	FlowLogsS3         = contract.FlowLogsS3
)

// Subnet tiers: each has a fixed slot of azCount subnets in the VPC CIDR,
// so that turning a variant on or off never moves another tier's subnets.
const (
	tierPrivate = iota
	tierPublic
	tierRestricted
)

// SettingError is one problem with one setting: its name (the stack
// configuration key), the value, and what is accepted.
type SettingError struct {
	Setting string
	Value   any
	Problem string
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("%s %v: %s", e.Setting, e.Value, e.Problem)
}

// settingErrors collects SettingErrors.
type settingErrors []error

func (errs *settingErrors) add(setting string, value any, format string, args ...any) {
	*errs = append(*errs, &SettingError{Setting: setting, Value: value, Problem: fmt.Sprintf(format, args...)})
}

// join returns nil or every problem, under one heading.
func (errs settingErrors) join() error {
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid lab settings:\n%w", err)
	}
	return nil
}

// lab is the validated, defaulted form of S3GatewayLabArgs.
type lab struct {
	S3GatewayLabArgs
	vpc      netip.Prefix
	subnets  []netip.Prefix
	seedKeys []string
	// tiers are the subnets of each tier (tierPrivate, ...), azCount each.
	tiers map[int][]netip.Prefix
	// allowedKey and deniedKey are seed keys inside and outside
	// RestrictedPrefix.
	allowedKey, deniedKey string
}

// has reports whether the private subnets have the S3 endpoint of kind.
func (l *lab) has(kind string) bool { return slices.Contains(l.S3Endpoints, kind) }

var (
	bucketPrefixRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	// zoneIDRE matches availability zone IDs such as use1-az1 or apne1-az4.
	zoneIDRE = regexp.MustCompile(`^[a-z]+[0-9]+-az[0-9]+$`)
	// boundaryARNRE matches a managed policy's ARN, the account's or AWS's
	// ("arn:aws:iam::aws:policy/..."): partition, account.
	boundaryARNRE = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}|aws):policy/([\x21-\x7E]*/)?[A-Za-z0-9+=,.@_-]{1,128}$`)
	// tagRE and tagValueRE are the characters AWS accepts in tags across
	// services ("Tag naming limits and requirements",
	// https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html).
	tagRE      = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	tagValueRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	// iamPathRE is IAM's pattern for a path: "/", or "/" + printable ASCII
	// + "/" (IAM API reference, CreateRole, Path), at most 512 characters.
	iamPathRE = regexp.MustCompile(`^/$|^/[\x21-\x7E]+/$`)
	// principalARNRE matches IAM role and user ARNs, with ArnLike wildcards
	// allowed in the path and name only: partition, account, user-or-role.
	principalARNRE = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):(role|user)/[A-Za-z0-9+=,.@_/*?-]+$`)
)

// checkPrincipalARN checks that arn names an IAM role or user (an STS
// session ARN would never match aws:PrincipalArn).
func checkPrincipalARN(arn string) error {
	if !principalARNRE.MatchString(arn) {
		return errors.New("accepted: an IAM role or user ARN such as arn:aws:iam::123456789012:role/ci-deployer, " +
			"with * or ? only in the role or user name and path (never an sts assumed-role ARN)")
	}
	return nil
}

// Validate checks every setting except HandlerCode and returns all problems
// at once, each naming the setting, the value and what is accepted. Callers
// use it to fail fast, before they build the handler; NewS3GatewayLab runs it
// again before it registers anything.
func (a S3GatewayLabArgs) Validate() error {
	_, err := a.validate()
	return err
}

// Problems returns every problem Validate reports, one SettingError each, so
// that a caller can set aside those of settings it already failed to read.
func (a S3GatewayLabArgs) Problems() []*SettingError {
	_, errs := a.check()
	out := make([]*SettingError, 0, len(errs))
	for _, err := range errs {
		out = append(out, err.(*SettingError))
	}
	return out
}

// validate is Validate, returning the validated and defaulted lab.
func (a S3GatewayLabArgs) validate() (*lab, error) {
	l, errs := a.check()
	if err := errs.join(); err != nil {
		return nil, err
	}
	return l, nil
}

// check validates and defaults the args, collecting every problem.
func (a S3GatewayLabArgs) check() (*lab, settingErrors) {
	// The variants' zero values are their defaults: no internet egress, the
	// S3 gateway endpoint (nil S3Endpoints; an empty list means none), no
	// flow logs.
	if a.InternetEgress == "" {
		a.InternetEgress = EgressNone
	}
	if a.S3Endpoints == nil {
		a.S3Endpoints = []string{EndpointGateway}
	}
	if a.FlowLogs == "" {
		a.FlowLogs = FlowLogsOff
	}
	if a.IAMPath == "" {
		a.IAMPath = "/"
	}
	// The organization's tags join the lab's; the lab's keep their values.
	tags := map[string]string{}
	for k, v := range a.OrganizationTags {
		tags[k] = v
	}
	for k, v := range a.Tags {
		tags[k] = v
	}
	a.Tags = tags
	l := &lab{S3GatewayLabArgs: a}
	var errs settingErrors
	bad := errs.add

	vpc, err := ParseVPCCIDR(a.VPCCIDR)
	if err != nil {
		bad("vpcCidr", fmt.Sprintf("%q", a.VPCCIDR), "%v", err)
	}
	l.vpc = vpc

	switch {
	case a.AZCount < MinAZCount || a.AZCount > MaxAZCount:
		bad("azCount", a.AZCount, "out of range: accepted %d to %d", MinAZCount, MaxAZCount)
	case len(a.AvailabilityZones) > 0 && len(a.AvailabilityZones) != a.AZCount:
		bad("availabilityZones", a.AvailabilityZones, "names %d zones but azCount is %d: list exactly azCount zones, or none",
			len(a.AvailabilityZones), a.AZCount)
	}
	for i, az := range a.AvailabilityZones {
		if az == "" || slices.Contains(a.AvailabilityZones[:i], az) {
			bad("availabilityZones", a.AvailabilityZones, "zone names must be distinct and non-empty")
			break
		}
	}

	slots := tierPrivate + 1
	switch {
	case a.RestrictedTier:
		slots = tierRestricted + 1
	case a.InternetEgress == EgressNAT:
		slots = tierPublic + 1
	}
	if a.SubnetPrefixLength < MinVPCPrefixLen || a.SubnetPrefixLength > MaxSubnetPrefix {
		bad("subnetPrefixLength", a.SubnetPrefixLength, "accepted %d to %d", MinVPCPrefixLen, MaxSubnetPrefix)
	} else if vpc.IsValid() && a.AZCount >= MinAZCount && a.AZCount <= MaxAZCount {
		// Tiers sit in fixed slots: private first, then public (nat), then
		// restricted (restrictedTier), azCount subnets each.
		all, err := PlanSubnets(vpc, a.SubnetPrefixLength, a.AZCount*slots)
		if err != nil {
			what := fmt.Sprintf("%d private subnets", a.AZCount)
			if slots > 1 {
				what = fmt.Sprintf("%d subnets (%d zones x %d tiers: private, public for internetEgress nat, restricted for restrictedTier)",
					a.AZCount*slots, a.AZCount, slots)
			}
			bad("vpcCidr", a.VPCCIDR, "too small for %s of /%d (%v): use a larger block or a longer subnetPrefixLength",
				what, a.SubnetPrefixLength, err)
		} else {
			l.tiers = map[int][]netip.Prefix{}
			for t := range slots {
				l.tiers[t] = all[t*a.AZCount : (t+1)*a.AZCount]
			}
			l.subnets = l.tiers[tierPrivate]
		}
	}
	a.checkVariants(l, &errs)

	if a.CrossRegion != "" && !regionRE.MatchString(a.CrossRegion) {
		bad("crossRegion", fmt.Sprintf("%q", a.CrossRegion), "not an AWS region name: accepted a region such as us-west-2, or empty")
	}
	if err := checkBucketPrefix(a.BucketPrefix); err != nil {
		bad("bucketPrefix", fmt.Sprintf("%q", a.BucketPrefix), "%v", err)
	}
	if a.LambdaMemoryMB < MinLambdaMemoryMB || a.LambdaMemoryMB > MaxLambdaMemoryMB {
		bad("lambdaMemoryMb", a.LambdaMemoryMB, "outside Lambda's limits: accepted %d to %d", MinLambdaMemoryMB, MaxLambdaMemoryMB)
	}
	if a.LambdaTimeoutSeconds < MinLambdaTimeout || a.LambdaTimeoutSeconds > MaxLambdaTimeout {
		bad("lambdaTimeoutSeconds", a.LambdaTimeoutSeconds, "outside Lambda's limits: accepted %d to %d",
			MinLambdaTimeout, MaxLambdaTimeout)
	}
	if !slices.Contains(LogRetentionDays, a.LogRetentionDays) {
		bad("logRetentionDays", a.LogRetentionDays, "not a retention CloudWatch Logs accepts: one of %v", LogRetentionDays)
	}
	if a.MaxKeys < contract.MinMaxKeys || a.MaxKeys > contract.MaxMaxKeys {
		bad("maxKeys", a.MaxKeys, "accepted %d to %d", contract.MinMaxKeys, contract.MaxMaxKeys)
	}
	if a.ConnectTimeoutMS < contract.MinConnectTimeoutMS || a.ConnectTimeoutMS > contract.MaxRequestTimeoutMS {
		bad("connectTimeoutMs", a.ConnectTimeoutMS, "accepted %d to %d", contract.MinConnectTimeoutMS, contract.MaxRequestTimeoutMS)
	}
	if a.RequestTimeoutMS < a.ConnectTimeoutMS || a.RequestTimeoutMS > contract.MaxRequestTimeoutMS {
		bad("requestTimeoutMs", a.RequestTimeoutMS, "accepted connectTimeoutMs (%d) to %d", a.ConnectTimeoutMS, contract.MaxRequestTimeoutMS)
	} else if a.RequestTimeoutMS >= a.LambdaTimeoutSeconds*1000 {
		bad("requestTimeoutMs", a.RequestTimeoutMS, "must be shorter than lambdaTimeoutSeconds (%ds) so the report is returned",
			a.LambdaTimeoutSeconds)
	}
	if len(l.SeedObjects) == 0 {
		l.SeedObjects = DefaultSeedObjects
	}
	for key := range l.SeedObjects {
		if key == "" || strings.HasPrefix(key, "/") || len(key) > 1024 {
			bad("seed object key", fmt.Sprintf("%q", key), "must be 1 to 1024 characters and not start with /")
		}
		l.seedKeys = append(l.seedKeys, key)
	}
	slices.Sort(l.seedKeys)
	l.restrictedKeys(&errs)
	if len(l.seedKeys) > a.MaxKeys && a.MaxKeys >= contract.MinMaxKeys {
		bad("maxKeys", a.MaxKeys, "smaller than the %d seeded objects: a listing could not show them all", len(l.seedKeys))
	}
	for _, id := range a.ExcludeZoneIDs {
		if !zoneIDRE.MatchString(id) {
			bad("excludeZoneIds", a.ExcludeZoneIDs, "%q is not a zone ID: accepted IDs such as use1-az3 (aws ec2 describe-availability-zones shows them)", id)
		}
	}
	for _, arn := range a.AdminPrincipalARNs {
		if err := checkPrincipalARN(arn); err != nil {
			bad("adminPrincipalArns", fmt.Sprintf("%q", arn), "%v", err)
		}
	}
	if a.PermissionsBoundaryARN != "" && !boundaryARNRE.MatchString(a.PermissionsBoundaryARN) {
		bad("permissionsBoundaryArn", fmt.Sprintf("%q", a.PermissionsBoundaryARN),
			"accepted a managed policy ARN such as arn:aws:iam::123456789012:policy/platform/boundary, or empty for none")
	}
	for _, k := range slices.Sorted(maps.Keys(a.OrganizationTags)) {
		v := a.OrganizationTags[k]
		switch {
		case strings.HasPrefix(strings.ToLower(k), "aws:") || strings.HasPrefix(k, "lab:") || k == "Name":
			bad("tags", fmt.Sprintf("%q", k), "keys starting with aws: are AWS's, and Name and keys starting with lab: the lab's own: choose another key")
		case !tagRE.MatchString(k) || utf8.RuneCountInString(k) > 128:
			bad("tags", fmt.Sprintf("%q", k), "accepted keys of 1 to 128 letters, digits, spaces and _ . : / = + - @")
		case !tagValueRE.MatchString(v) || utf8.RuneCountInString(v) > 256:
			bad("tags", fmt.Sprintf("%s=%q", k, v), "accepted values of up to 256 letters, digits, spaces and _ . : / = + - @")
		}
	}
	if !iamPathRE.MatchString(a.IAMPath) || len(a.IAMPath) > 512 {
		bad("iamPath", fmt.Sprintf("%q", a.IAMPath), "accepted / or a path that starts and ends with /, such as /platform/labs/, "+
			"of printable ASCII without spaces, at most 512 characters")
	}
	errs = append(errs, a.AWSProvider.validate()...)
	return l, errs
}

// InterfaceServices are the services interfaceEndpoints accepts, by short
// name, each with its endpoint policy (policy.InterfaceEndpoint).
var InterfaceServices = []string{"bedrock-runtime", "kms", "logs", "sts"}

var bedrockModelRE = regexp.MustCompile(`^[a-z0-9-]+\.[A-Za-z0-9._:-]+$`)

// checkVariants validates the variant settings and the combinations that
// contradict each other, naming both settings.
func (a S3GatewayLabArgs) checkVariants(l *lab, errs *settingErrors) {
	bad := errs.add
	if !slices.Contains([]string{EgressNone, EgressNAT}, a.InternetEgress) {
		bad("internetEgress", fmt.Sprintf("%q", a.InternetEgress), "accepted %q or %q", EgressNone, EgressNAT)
	}
	for i, e := range a.S3Endpoints {
		if !slices.Contains([]string{EndpointGateway, EndpointInterface}, e) || slices.Contains(a.S3Endpoints[:i], e) {
			bad("s3Endpoints", a.S3Endpoints, "accepted distinct values among %q and %q", EndpointGateway, EndpointInterface)
			break
		}
	}
	if len(a.S3Endpoints) == 0 && a.InternetEgress == EgressNone {
		bad("s3Endpoints", "[]", "with internetEgress none the function could reach S3 by no path: add gateway or interface, or set internetEgress nat (lab document 002 Example 1)")
	}
	if a.AccessPoint && !l.has(EndpointGateway) {
		bad("accessPoint", true, "needs the S3 gateway endpoint in s3Endpoints %v: its policy is what admits data only through the access point", a.S3Endpoints)
	}
	if a.RestrictedTier && !l.has(EndpointGateway) {
		bad("restrictedTier", true, "needs the S3 gateway endpoint in s3Endpoints %v: the restricted tier is a second gateway endpoint with another policy", a.S3Endpoints)
	}
	for i, svc := range a.InterfaceEndpoints {
		if !slices.Contains(InterfaceServices, svc) || slices.Contains(a.InterfaceEndpoints[:i], svc) {
			bad("interfaceEndpoints", a.InterfaceEndpoints, "%q: accepted distinct services among %v (S3 is set with s3Endpoints)", svc, InterfaceServices)
		}
	}
	if slices.Contains(a.InterfaceEndpoints, "bedrock-runtime") && !bedrockModelRE.MatchString(a.BedrockModelID) {
		bad("bedrockModelId", fmt.Sprintf("%q", a.BedrockModelID), "accepted a foundation model ID such as amazon.nova-micro-v1:0")
	}
	if !slices.Contains([]string{FlowLogsOff, FlowLogsCloudWatch, FlowLogsS3}, a.FlowLogs) {
		bad("flowLogs", fmt.Sprintf("%q", a.FlowLogs), "accepted %q, %q or %q", FlowLogsOff, FlowLogsCloudWatch, FlowLogsS3)
	}
	if a.RestrictedTier {
		p := a.RestrictedPrefix
		if p == "" || strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") || strings.ContainsAny(p, "*?") {
			bad("restrictedPrefix", fmt.Sprintf("%q", p), "accepted a key prefix ending in / with no wildcards, such as reports/")
		}
	}
}

// restrictedKeys picks a seed key inside and one outside the restricted
// prefix, for the restricted tier's probes.
func (l *lab) restrictedKeys(errs *settingErrors) {
	if !l.RestrictedTier || l.RestrictedPrefix == "" {
		return
	}
	for _, k := range l.seedKeys {
		switch {
		case strings.HasPrefix(k, l.RestrictedPrefix) && l.allowedKey == "":
			l.allowedKey = k
		case !strings.HasPrefix(k, l.RestrictedPrefix) && l.deniedKey == "":
			l.deniedKey = k
		}
	}
	if l.allowedKey == "" || l.deniedKey == "" {
		errs.add("restrictedPrefix", fmt.Sprintf("%q", l.RestrictedPrefix), "needs a seeded object inside it and one outside it (seeded: %v)", l.seedKeys)
	}
}

// checkBucketPrefix applies S3's bucket naming rules to the prefix. Dots are
// refused too: they break TLS for virtual-hosted-style requests.
func checkBucketPrefix(p string) error {
	switch {
	case len(p) < minBucketPrefixLen || len(p) > MaxBucketPrefixLen:
		return fmt.Errorf("length %d: accepted %d to %d characters", len(p), minBucketPrefixLen, MaxBucketPrefixLen)
	case !bucketPrefixRE.MatchString(p):
		return errors.New("accepted: lowercase letters, digits and hyphens, starting with a letter or digit")
	case strings.HasPrefix(p, "xn--"), strings.HasPrefix(p, "sthree-"), strings.HasPrefix(p, "amzn-s3-demo-"):
		return errors.New("S3 reserves the prefixes xn--, sthree- and amzn-s3-demo-")
	}
	return nil
}

// bucketNamePrefix is the prefix given to the AWS provider: the user's prefix,
// then the stack name (so that a stray bucket names its stack), then a hyphen;
// the provider appends a unique suffix, so ephemeral stacks never clash.
func bucketNamePrefix(prefix, stack string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(stack) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	out := prefix + "-"
	if s != "" {
		out += s + "-"
	}
	if len(out) > maxProviderBucketPrefix {
		out = strings.TrimRight(out[:maxProviderBucketPrefix-1], "-") + "-"
	}
	return out
}
