package components

import (
	"strings"
	"testing"
)

// TestValidate: every bad setting fails before anything is registered, with
// an error naming the setting, the value and what is accepted.
func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*S3GatewayLabArgs)
		wantErr []string
	}{
		{"malformed CIDR", func(a *S3GatewayLabArgs) { a.VPCCIDR = "10.0.0/16" },
			[]string{`vpcCidr "10.0.0/16"`, "not an IPv4 CIDR block"}},
		{"CIDR with host bits", func(a *S3GatewayLabArgs) { a.VPCCIDR = "10.0.3.0/16" },
			[]string{`vpcCidr "10.0.3.0/16"`, "did you mean 10.0.0.0/16"}},
		{"CIDR too large for AWS", func(a *S3GatewayLabArgs) { a.VPCCIDR = "10.0.0.0/12" },
			[]string{"vpcCidr", "outside /16 to /28"}},
		{"VPC too small for the subnets", func(a *S3GatewayLabArgs) { a.VPCCIDR = "10.0.0.0/24" },
			[]string{"vpcCidr 10.0.0.0/24", "too small for 2 private subnets of /24"}},
		{"subnet prefix out of range", func(a *S3GatewayLabArgs) { a.SubnetPrefixLength = 30 },
			[]string{"subnetPrefixLength 30", "accepted 16 to 28"}},
		{"zero zones", func(a *S3GatewayLabArgs) { a.AZCount = 0 },
			[]string{"azCount 0", "accepted 1 to 6"}},
		{"too many zones", func(a *S3GatewayLabArgs) { a.AZCount = 7 },
			[]string{"azCount 7", "accepted 1 to 6"}},
		{"zone list longer than azCount", func(a *S3GatewayLabArgs) { a.AvailabilityZones = []string{"us-east-1a", "us-east-1b", "us-east-1c"} },
			[]string{"availabilityZones", "names 3 zones but azCount is 2"}},
		{"duplicate zones", func(a *S3GatewayLabArgs) { a.AvailabilityZones = []string{"us-east-1a", "us-east-1a"} },
			[]string{"availabilityZones", "distinct"}},
		{"memory too low", func(a *S3GatewayLabArgs) { a.LambdaMemoryMB = 64 },
			[]string{"lambdaMemoryMb 64", "accepted 128 to 10240"}},
		{"memory too high", func(a *S3GatewayLabArgs) { a.LambdaMemoryMB = 20000 },
			[]string{"lambdaMemoryMb 20000", "accepted 128 to 10240"}},
		{"timeout zero", func(a *S3GatewayLabArgs) { a.LambdaTimeoutSeconds = 0 },
			[]string{"lambdaTimeoutSeconds 0", "accepted 1 to 900"}},
		{"timeout too long", func(a *S3GatewayLabArgs) { a.LambdaTimeoutSeconds = 901 },
			[]string{"lambdaTimeoutSeconds 901", "accepted 1 to 900"}},
		{"retention CloudWatch refuses", func(a *S3GatewayLabArgs) { a.LogRetentionDays = 10 },
			[]string{"logRetentionDays 10", "one of [1 3 5 7 14 30"}},
		{"retention zero", func(a *S3GatewayLabArgs) { a.LogRetentionDays = 0 },
			[]string{"logRetentionDays 0"}},
		{"bucket prefix uppercase", func(a *S3GatewayLabArgs) { a.BucketPrefix = "Lab-Bucket" },
			[]string{`bucketPrefix "Lab-Bucket"`, "lowercase letters, digits and hyphens"}},
		{"bucket prefix with dots", func(a *S3GatewayLabArgs) { a.BucketPrefix = "lab.bucket" },
			[]string{"bucketPrefix", "lowercase letters, digits and hyphens"}},
		{"bucket prefix too short", func(a *S3GatewayLabArgs) { a.BucketPrefix = "ab" },
			[]string{`bucketPrefix "ab"`, "accepted 3 to 20 characters"}},
		{"bucket prefix too long", func(a *S3GatewayLabArgs) { a.BucketPrefix = strings.Repeat("a", 21) },
			[]string{"bucketPrefix", "length 21"}},
		{"bucket prefix reserved", func(a *S3GatewayLabArgs) { a.BucketPrefix = "xn--lab" },
			[]string{`bucketPrefix "xn--lab"`, "reserves"}},
		{"bucket prefix starts with hyphen", func(a *S3GatewayLabArgs) { a.BucketPrefix = "-lab" },
			[]string{`bucketPrefix "-lab"`, "starting with a letter or digit"}},
		{"maxKeys zero", func(a *S3GatewayLabArgs) { a.MaxKeys = 0 },
			[]string{"maxKeys 0", "accepted 1 to 10000"}},
		{"maxKeys below the seeds", func(a *S3GatewayLabArgs) { a.MaxKeys = 2 },
			[]string{"maxKeys 2", "smaller than the 3 seeded objects"}},
		{"connect timeout too short", func(a *S3GatewayLabArgs) { a.ConnectTimeoutMS = 10 },
			[]string{"connectTimeoutMs 10", "accepted 100 to 60000"}},
		{"request shorter than connect", func(a *S3GatewayLabArgs) { a.RequestTimeoutMS = 1000 },
			[]string{"requestTimeoutMs 1000", "accepted connectTimeoutMs (2000)"}},
		{"request outlives the function", func(a *S3GatewayLabArgs) { a.LambdaTimeoutSeconds = 5 },
			[]string{"requestTimeoutMs 5000", "shorter than lambdaTimeoutSeconds (5s)"}},
		{"empty seed key", func(a *S3GatewayLabArgs) { a.SeedObjects = map[string]string{"": "x"} },
			[]string{`seed object key ""`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := validArgs()
			tt.mutate(args)
			err := args.Validate()
			if err == nil {
				t.Fatalf("Validate: got no error, want one containing %q", tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Validate: got %q, want it to contain %q", err, want)
				}
			}
			assertRegistersNothing(t, "us-east-1", args, tt.wantErr[0])
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	args := validArgs()
	args.VPCCIDR = "nonsense"
	args.LambdaMemoryMB = 1
	args.LogRetentionDays = 2
	err := args.Validate()
	if err == nil {
		t.Fatal("Validate: got no error")
	}
	for _, want := range []string{"vpcCidr", "lambdaMemoryMb", "logRetentionDays"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: got %q, want it to name %s too", err, want)
		}
	}
}

func TestValidArgs(t *testing.T) {
	if err := validArgs().Validate(); err != nil {
		t.Fatalf("Validate(valid args): %v", err)
	}
}

func TestMissingHandlerCode(t *testing.T) {
	args := validArgs()
	args.HandlerCode = nil
	assertRegistersNothing(t, "us-east-1", args, "HandlerCode is not set")
}

func TestBucketNamePrefix(t *testing.T) {
	tests := []struct{ prefix, stack, want string }{
		{"s3-gw-lab", "dev", "s3-gw-lab-dev-"},
		{"s3-gw-lab", "Eph_2026.11-22", "s3-gw-lab-eph-2026-11-22-"},
		{"lab", "--", "lab-"},
		{"abcdefghijklmnopqrst", "a-very-long-ephemeral-stack-name", "abcdefghijklmnopqrst-a-very-long-eph-"},
		{"abcdefghijklmnopqrst", "abcdefghijklmnop-x", "abcdefghijklmnopqrst-abcdefghijklmno-"},
	}
	for _, tt := range tests {
		got := bucketNamePrefix(tt.prefix, tt.stack)
		if got != tt.want {
			t.Errorf("bucketNamePrefix(%q, %q) = %q, want %q", tt.prefix, tt.stack, got, tt.want)
		}
		if len(got) > maxProviderBucketPrefix {
			t.Errorf("bucketNamePrefix(%q, %q) is %d characters, over the provider's %d", tt.prefix, tt.stack, len(got), maxProviderBucketPrefix)
		}
		if !bucketPrefixRE.MatchString(got) || strings.Contains(got, "--") {
			t.Errorf("bucketNamePrefix(%q, %q) = %q, which is not a clean S3 name start", tt.prefix, tt.stack, got)
		}
	}
}
