package components

import (
	"fmt"
	"regexp"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// InternetProbeURL is what the function's internet probe tries to fetch: a
// public AWS page. The private subnets have no route to it.
const InternetProbeURL = "https://checkip.amazonaws.com/"

// regionRE matches AWS region names such as us-east-1 or us-gov-west-1.
var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)

// IsRegionName reports whether s has the shape of an AWS region name.
func IsRegionName(s string) bool { return regionRE.MatchString(s) }

// probeBuckets registers the buckets the function's negative probes aim at.
//
//   - The denied-probe bucket, in the lab's region: the role may list it, so
//     when the probe is refused, the refusal comes from the endpoint policy,
//     which does not name it. It stays empty.
//   - With CrossRegion set, a bucket in that region, through a provider of
//     its own (lab document 003): the role may list it too, and the probe
//     must fail for want of a network path, since a gateway endpoint only
//     reaches S3 in its own region.
//
// Both allow TLS only.
func (b *builder) probeBuckets() error {
	denied, err := b.newLockedBucket(b.name+"-denied-probe", b.lab.BucketPrefix+"-deny", false)
	if err != nil {
		return err
	}
	if _, err := b.setPolicy(denied, b.name+"-denied-probe", tlsOnlyPolicy(b.policyInputs(), denied)); err != nil {
		return err
	}
	b.comp.DeniedProbeBucket = denied.bucket.Bucket

	if b.lab.CrossRegion == "" {
		b.comp.CrossRegionBucket = pulumi.String("").ToStringOutput()
		b.comp.CrossRegion = pulumi.String("").ToStringOutput()
		return nil
	}
	provider, err := aws.NewProvider(b.ctx, b.name+"-cross-region",
		b.lab.AWSProvider.providerArgs(b.lab.CrossRegion, b.facts.accountID, b.lab.Tags), b.child)
	if err != nil {
		return fmt.Errorf("provider for %s: %w", b.lab.CrossRegion, err)
	}
	other, err := b.newLockedBucket(b.name+"-cross-region-probe", b.lab.BucketPrefix+"-xr", false, pulumi.Provider(provider))
	if err != nil {
		return err
	}
	if _, err := b.setPolicy(other, b.name+"-cross-region-probe", tlsOnlyPolicy(b.policyInputs(), other), pulumi.Provider(provider)); err != nil {
		return err
	}
	b.comp.CrossRegionBucket = other.bucket.Bucket
	b.comp.CrossRegion = pulumi.String(b.lab.CrossRegion).ToStringOutput()
	return nil
}

func tlsOnlyPolicy(in policy.Inputs, lb *lockedBucket) pulumi.StringOutput {
	return policyJSON(in, pendingInputs{BucketName: lb.bucket.Bucket}, policy.TLSOnlyBucket)
}
