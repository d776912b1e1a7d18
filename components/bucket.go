package components

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// lockedBucket is a private bucket as the lab makes them: public access
// blocked, ACLs disabled (BucketOwnerEnforced), SSE-S3, optionally versioned.
// Its name is the prefix, the stack, and a suffix the provider makes unique,
// so ephemeral stacks in one account never clash.
//
// Deviations, each deliberate for short-lived lab buckets that hold a few
// small objects: Checkov CKV_AWS_18 / cdk-nag AwsSolutions-S1 (server access
// logging), CKV_AWS_144 (cross-region replication), CKV_AWS_145 (SSE-KMS:
// SSE-S3 needs no key policy for the function), CKV2_AWS_61 (lifecycle) and
// CKV2_AWS_62 (event notifications); CKV_AWS_21 (versioning) for the probe
// buckets, which never hold objects.
type lockedBucket struct {
	bucket *s3.BucketV2
	// config are the resources that finish the bucket's set-up; anything
	// that writes to the bucket or sets its policy waits for them.
	config []pulumi.Resource
}

func (b *builder) newLockedBucket(name, prefix string, versioned bool, opts ...pulumi.ResourceOption) (*lockedBucket, error) {
	opts = append([]pulumi.ResourceOption{b.child}, opts...)
	bucket, err := s3.NewBucketV2(b.ctx, name, &s3.BucketV2Args{
		BucketPrefix: pulumi.String(bucketNamePrefix(prefix, b.ctx.Stack())),
		ForceDestroy: pulumi.Bool(b.lab.ForceDestroy),
		Tags:         b.tags(name),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	pab, err := s3.NewBucketPublicAccessBlock(b.ctx, name+"-public-access", &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("bucket %s public access block: %w", name, err)
	}
	ownership, err := s3.NewBucketOwnershipControls(b.ctx, name+"-ownership", &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("bucket %s ownership controls: %w", name, err)
	}
	sse, err := s3.NewBucketServerSideEncryptionConfigurationV2(b.ctx, name+"-encryption",
		&s3.BucketServerSideEncryptionConfigurationV2Args{
			Bucket: bucket.ID(),
			Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{
				&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
					ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
						SseAlgorithm: pulumi.String("AES256"),
					},
				},
			},
		}, opts...)
	if err != nil {
		return nil, fmt.Errorf("bucket %s encryption: %w", name, err)
	}
	lb := &lockedBucket{bucket: bucket, config: []pulumi.Resource{pab, ownership, sse}}
	if versioned {
		versioning, err := s3.NewBucketVersioningV2(b.ctx, name+"-versioning", &s3.BucketVersioningV2Args{
			Bucket:                  bucket.ID(),
			VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("bucket %s versioning: %w", name, err)
		}
		lb.config = append(lb.config, versioning)
	}
	return lb, nil
}

// setPolicy registers the bucket's policy once its set-up is done, so the
// bucket is never briefly open.
func (b *builder) setPolicy(lb *lockedBucket, name string, policy pulumi.StringOutput, opts ...pulumi.ResourceOption) (*s3.BucketPolicy, error) {
	opts = append([]pulumi.ResourceOption{b.child, pulumi.DependsOn(lb.config)}, opts...)
	bp, err := s3.NewBucketPolicy(b.ctx, name+"-policy", &s3.BucketPolicyArgs{
		Bucket: lb.bucket.Bucket,
		Policy: policy,
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("bucket %s policy: %w", name, err)
	}
	return bp, nil
}

// bucket registers the lab's test bucket, versioned.
func (b *builder) bucket() error {
	lb, err := b.newLockedBucket(b.name+"-bucket", b.lab.BucketPrefix, true)
	if err != nil {
		return err
	}
	b.labBucket = lb
	b.comp.BucketName = lb.bucket.Bucket
	return nil
}

// bucketPolicy registers the lab bucket's policy: TLS only, and reads only
// through the lab's S3 endpoints (the admins excepted).
func (b *builder) bucketPolicy() error {
	in := b.policyInputs()
	doc := policyJSON(in, pendingInputs{BucketName: b.comp.BucketName, AccessPointARN: b.comp.AccessPointARN,
		EndpointIDs: b.s3EndpointIDs}, policy.Bucket)
	bp, err := b.setPolicy(b.labBucket, b.name+"-bucket", doc)
	if err != nil {
		return err
	}
	b.policyDeps = append(b.policyDeps, bp)
	return nil
}

// seedObjects writes the seed objects after the bucket is configured, so they
// are encrypted and versioned from the first write.
func (b *builder) seedObjects() error {
	for _, key := range b.lab.seedKeys {
		if _, err := s3.NewBucketObjectv2(b.ctx, b.name+"-seed-"+seedName(key), &s3.BucketObjectv2Args{
			Bucket:      b.comp.BucketName,
			Key:         pulumi.String(key),
			Content:     pulumi.String(b.lab.SeedObjects[key]),
			ContentType: pulumi.String(contentType(key)),
			Tags:        b.tags(b.name + "-seed"),
		}, b.child, pulumi.DependsOn(append(slices.Clone(b.labBucket.config), b.policyDeps...))); err != nil {
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
