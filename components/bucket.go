package components

import (
	"fmt"
	"path"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// bucket registers the test bucket: private, owner-enforced, encrypted and
// versioned. Its name is the configured prefix, the stack, and a suffix the
// provider makes unique, so ephemeral stacks in one account never clash.
//
// Deviations, each deliberate for a short-lived lab bucket that holds three
// small objects: Checkov CKV_AWS_18 / cdk-nag AwsSolutions-S1 (server access
// logging), CKV_AWS_144 (cross-region replication), CKV_AWS_145 (SSE-KMS:
// SSE-S3 is used, which needs no key policy for the function), CKV2_AWS_61
// (lifecycle) and CKV2_AWS_62 (event notifications).
func (b *builder) bucket() error {
	bucket, err := s3.NewBucketV2(b.ctx, b.name+"-bucket", &s3.BucketV2Args{
		BucketPrefix: pulumi.String(bucketNamePrefix(b.lab.BucketPrefix, b.ctx.Stack())),
		ForceDestroy: pulumi.Bool(b.lab.ForceDestroy),
		Tags:         b.tags(b.name + "-bucket"),
	}, b.child)
	if err != nil {
		return fmt.Errorf("bucket: %w", err)
	}
	b.bucketName = bucket.Bucket

	pab, err := s3.NewBucketPublicAccessBlock(b.ctx, b.name+"-bucket-public-access", &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, b.child)
	if err != nil {
		return fmt.Errorf("bucket public access block: %w", err)
	}
	ownership, err := s3.NewBucketOwnershipControls(b.ctx, b.name+"-bucket-ownership", &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, b.child)
	if err != nil {
		return fmt.Errorf("bucket ownership controls: %w", err)
	}
	sse, err := s3.NewBucketServerSideEncryptionConfigurationV2(b.ctx, b.name+"-bucket-encryption",
		&s3.BucketServerSideEncryptionConfigurationV2Args{
			Bucket: bucket.ID(),
			Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{
				&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
					ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
						SseAlgorithm: pulumi.String("AES256"),
					},
				},
			},
		}, b.child)
	if err != nil {
		return fmt.Errorf("bucket encryption: %w", err)
	}
	versioning, err := s3.NewBucketVersioningV2(b.ctx, b.name+"-bucket-versioning", &s3.BucketVersioningV2Args{
		Bucket:                  bucket.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, b.child)
	if err != nil {
		return fmt.Errorf("bucket versioning: %w", err)
	}
	b.bucketConfig = []pulumi.Resource{pab, ownership, sse, versioning}
	b.comp.BucketName = bucket.Bucket
	return nil
}

// bucketPolicy registers the bucket policy: TLS only, and reads only through
// the lab's endpoint (the deployer excepted). It waits for the public access
// block, so the bucket is never briefly open.
func (b *builder) bucketPolicy() error {
	in := b.policyInputs()
	policy := policyJSON(func(args []any) PolicyDocument {
		in.BucketName, in.EndpointID = args[0].(string), string(args[1].(pulumi.ID))
		return BucketPolicy(in)
	}, b.bucketName, b.endpointID)
	bp, err := s3.NewBucketPolicy(b.ctx, b.name+"-bucket-policy", &s3.BucketPolicyArgs{
		Bucket: b.bucketName,
		Policy: policy,
	}, b.child, pulumi.DependsOn(b.bucketConfig))
	if err != nil {
		return fmt.Errorf("bucket policy: %w", err)
	}
	b.policyDeps = append(b.policyDeps, bp)
	return nil
}

// seedObjects writes the seed objects after the bucket is configured, so they
// are encrypted and versioned from the first write.
func (b *builder) seedObjects() error {
	for _, key := range b.lab.seedKeys {
		if _, err := s3.NewBucketObjectv2(b.ctx, b.name+"-seed-"+seedName(key), &s3.BucketObjectv2Args{
			Bucket:      b.bucketName,
			Key:         pulumi.String(key),
			Content:     pulumi.String(b.lab.SeedObjects[key]),
			ContentType: pulumi.String(contentType(key)),
		}, b.child, pulumi.DependsOn(append(b.bucketConfig, b.policyDeps...))); err != nil {
			return fmt.Errorf("seed object %q: %w", key, err)
		}
	}
	return nil
}

// seedName turns an object key into a resource-name suffix.
func seedName(key string) string {
	return strings.NewReplacer("/", "-", ".", "-", " ", "-").Replace(key)
}

// contentTypes is a fixed table rather than the system's MIME database, so
// the plan is the same on every machine.
var contentTypes = map[string]string{
	".txt":  "text/plain; charset=utf-8",
	".md":   "text/markdown; charset=utf-8",
	".json": "application/json",
	".csv":  "text/csv; charset=utf-8",
}

func contentType(key string) string {
	if t, ok := contentTypes[path.Ext(key)]; ok {
		return t
	}
	return "application/octet-stream"
}
