package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3controltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/smithy-go"

	"github.com/platformlab/s3-gateway-lab/lambda/contract"
	"github.com/platformlab/s3-gateway-lab/lambda/denial"
	"github.com/platformlab/s3-gateway-lab/lambda/handler"
)

// checkAccessPoint checks the lab's access point by its configuration
// (s3control:GetAccessPoint: network origin VPC, the lab's VPC, every block
// public access setting on) and by its behaviour: the verifier itself, from
// outside the VPC, is refused for the access point's network origin (lab
// document 004: "Amazon S3 rejects any request made to the access point
// that doesn't originate from that VPC").
func (v *Verifier) checkAccessPoint(ctx context.Context) []Result {
	start := v.now()
	o := v.Outputs
	originCheck, bpaCheck := "access point: network origin", "access point: block public access"
	outsideCheck := "the access point refuses requests from outside the VPC, for its network origin"
	originWant, bpaWant := "VPC "+firstNonEmpty(o.VPCID, "of the lab"), "all four settings on"
	outsideWant := "AccessDenied " + describeDenial(vpcOrigin)
	if o.AccessPointARN == "" {
		const why = "accessPointArn is empty"
		return v.timed(start, skip(originCheck, originWant, why), skip(bpaCheck, bpaWant, why), skip(outsideCheck, outsideWant, why))
	}
	a, err := arn.Parse(o.AccessPointARN)
	name, isAP := strings.CutPrefix(a.Resource, "accesspoint/")
	if err != nil || !isAP {
		bad := Result{Check: originCheck, Expected: originWant, Observed: fmt.Sprintf("accessPointArn %q is not an access point ARN", o.AccessPointARN), Status: Errored}
		return v.timed(start, bad)
	}
	originCheck, bpaCheck = "access point "+name+": network origin", "access point "+name+": block public access"
	var rs []Result
	if v.S3Control == nil {
		rs = append(rs, Result{Check: originCheck, Expected: originWant, Observed: "no S3 Control client", Status: Errored},
			Result{Check: bpaCheck, Expected: bpaWant, Observed: "no S3 Control client", Status: Errored})
	} else if out, err := v.S3Control.GetAccessPoint(ctx, &s3control.GetAccessPointInput{
		AccountId: aws.String(a.AccountID), Name: aws.String(name)}); err != nil {
		rs = append(rs, apiError(originCheck, originWant, err), apiError(bpaCheck, bpaWant, err))
	} else {
		origin := string(out.NetworkOrigin)
		if out.VpcConfiguration != nil {
			origin += " " + aws.ToString(out.VpcConfiguration.VpcId)
		}
		rs = append(rs, result(originCheck, originWant, origin,
			out.NetworkOrigin == s3controltypes.NetworkOriginVpc && out.VpcConfiguration != nil &&
				aws.ToString(out.VpcConfiguration.VpcId) == o.VPCID))
		observed, on := publicAccessBlock(out.PublicAccessBlockConfiguration)
		rs = append(rs, result(bpaCheck, bpaWant, observed, on))
	}
	rs = append(rs, v.accessPointOutside(ctx, outsideCheck, outsideWant))
	return v.timed(start, rs...)
}

// vpcOrigin is how S3 reports a request refused for an access point's VPC
// network origin: "When an access point has a VPC network origin, it
// effectively behaves as if there is an explicit Deny policy statement that
// denies all requests where aws:SourceVpc does not equal the VPC ID ...
// This is also why the error message for denied requests says 'explicit
// deny in a resource-based policy'" (Amazon FSx for NetApp ONTAP User Guide,
// "Configuring network access for S3 access points",
// https://docs.aws.amazon.com/fsx/latest/ONTAPGuide/configuring-network-access-for-s3-access-points.html).
var vpcOrigin = contract.Denial{PolicyType: contract.PolicyResourceBased, Explicit: true}

// publicAccessBlock describes an access point's block public access
// settings and reports whether all four are on.
func publicAccessBlock(c *s3controltypes.PublicAccessBlockConfiguration) (string, bool) {
	if c == nil {
		return "none", false
	}
	settings := []struct {
		name string
		on   *bool
	}{
		{"BlockPublicAcls", c.BlockPublicAcls}, {"IgnorePublicAcls", c.IgnorePublicAcls},
		{"BlockPublicPolicy", c.BlockPublicPolicy}, {"RestrictPublicBuckets", c.RestrictPublicBuckets},
	}
	var off []string
	for _, s := range settings {
		if !aws.ToBool(s.on) {
			off = append(off, s.name)
		}
	}
	if len(off) > 0 {
		return "off: " + strings.Join(off, ", "), false
	}
	return "all four settings on", true
}

// accessPointOutside: the verifier lists the bucket by name from outside
// the VPC first, which the bucket policy admits for adminPrincipalArns only.
// That succeeding shows the caller has S3 rights and that the bucket
// policy's denies do not apply to it; the access point's policy has no Deny.
// Then, through the access point, only the VPC network origin is left to
// refuse it "with an explicit deny in a resource-based policy" (vpcOrigin).
// A refusal for the caller's own rights, or a control that fails, is
// INCONCLUSIVE.
func (v *Verifier) accessPointOutside(ctx context.Context, check, expected string) Result {
	o := v.Outputs
	if v.S3 == nil {
		return Result{Check: check, Expected: expected, Observed: "no S3 client", Status: Errored}
	}
	_, err := v.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(o.BucketName), MaxKeys: aws.Int32(1)})
	if err != nil {
		if handler.Classify(err) != contract.KindAccessDenied {
			return apiError(check, expected, fmt.Errorf("list %s by name (the control): %w", o.BucketName, err))
		}
		return Result{Check: check, Expected: expected, Status: Inconclusive,
			Observed: fmt.Sprintf("the caller cannot list %s by name from outside the VPC either (%s): it is not one of "+
				"adminPrincipalArns, or lacks S3 rights, so a refusal through the access point would not prove its network origin",
				o.BucketName, describeError(handler.ErrorReport(err)))}
	}
	out, err := v.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(o.AccessPointARN), MaxKeys: aws.Int32(1)})
	if err == nil {
		return result(check, expected, fmt.Sprintf("listed %d keys from outside the VPC", aws.ToInt32(out.KeyCount)), false)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return apiError(check, expected, err)
	}
	r := handler.ErrorReport(err)
	d, named := denial.Parse(r.AWSMessage)
	switch {
	case r.Kind != contract.KindAccessDenied:
		return result(check, expected, "refused, but not for access: "+describeError(r), false)
	case !named:
		return Result{Check: check, Expected: expected, Status: Inconclusive,
			Observed: fmt.Sprintf("refused, but AWS's message names no policy type: %q", r.AWSMessage)}
	case d != vpcOrigin:
		return Result{Check: check, Expected: expected, Status: Inconclusive,
			Observed: "refused " + describeDenial(d) + ": the caller's own rights, not the network origin"}
	}
	return result(check, expected, "refused "+describeDenial(d)+
		", and the caller lists the bucket by name from outside: only the VPC network origin refuses it", true)
}

// describeError is an error report's code and AWS's message, or its text.
func describeError(r *contract.ErrorReport) string {
	if r.Code == "" {
		return r.Message
	}
	return r.Code + ": " + r.AWSMessage
}
