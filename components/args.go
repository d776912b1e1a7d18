package components

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

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
	// HandlerCode is the packaged handler: a zip with an executable
	// `bootstrap` for provided.al2023 on arm64 (see internal/handlerbuild).
	HandlerCode pulumi.Archive
	// Tags are added to every taggable resource.
	Tags map[string]string
}

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
}

var (
	bucketPrefixRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	// zoneIDRE matches availability zone IDs such as use1-az1 or apne1-az4.
	zoneIDRE = regexp.MustCompile(`^[a-z]+[0-9]+-az[0-9]+$`)
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

	if a.SubnetPrefixLength < MinVPCPrefixLen || a.SubnetPrefixLength > MaxSubnetPrefix {
		bad("subnetPrefixLength", a.SubnetPrefixLength, "accepted %d to %d", MinVPCPrefixLen, MaxSubnetPrefix)
	} else if vpc.IsValid() && a.AZCount >= MinAZCount && a.AZCount <= MaxAZCount {
		subnets, err := PlanSubnets(vpc, a.SubnetPrefixLength, a.AZCount)
		if err != nil {
			bad("vpcCidr", a.VPCCIDR, "too small for %d private subnets of /%d (%v): use a larger block or a longer subnetPrefixLength",
				a.AZCount, a.SubnetPrefixLength, err)
		}
		l.subnets = subnets
	}

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
	errs = append(errs, a.AWSProvider.validate()...)
	return l, errs
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
