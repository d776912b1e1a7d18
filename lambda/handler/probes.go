package handler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

// maxObjectRead bounds what the allowed-key and denied-key probes read of an
// object: the probe asks whether the read is allowed, not for the data.
const maxObjectRead = 1 << 20

// probeTarget sets rep's target for the probes added with the lab's variants
// and returns what runs them. It leaves rep.Target empty when the lab has no
// target for probe (its variable is unset, or its client is missing).
func (h *Handler) probeTarget(ctx context.Context, probe string, rep *contract.Report) func(context.Context, *contract.Report) error {
	cfg := h.Config
	switch probe {
	case contract.ProbeAccessPoint:
		rep.Target, rep.Bucket = cfg.AccessPointARN, cfg.AccessPointARN
		// The SDK sends a request for an access point ARN to
		// NAME-ACCOUNT.s3-accesspoint.REGION.amazonaws.com; an ARN cannot
		// be addressed path-style.
		return func(ctx context.Context, rep *contract.Report) error {
			return h.list(ctx, rep, cfg.MaxKeys, func(o *s3.Options) { o.UsePathStyle = false })
		}
	case contract.ProbeInterfaceEndpoint:
		if cfg.S3InterfaceDNS == "" {
			return nil
		}
		endpoint := InterfaceEndpointURL(cfg.S3InterfaceDNS)
		rep.Target, rep.Bucket = endpoint, cfg.Bucket
		return func(ctx context.Context, rep *contract.Report) error {
			return h.list(ctx, rep, cfg.MaxKeys, func(o *s3.Options) {
				o.BaseEndpoint = aws.String(endpoint)
				o.UsePathStyle = false
			})
		}
	case contract.ProbeS3DNS:
		if !cfg.VPCCIDR.IsValid() {
			return nil
		}
		rep.Target = "s3." + cfg.Region + ".amazonaws.com"
		return h.resolve
	case contract.ProbeSTS:
		if h.STS == nil {
			return nil
		}
		rep.Target = stsEndpoint(ctx, h.STS)
		return h.callerIdentity
	case contract.ProbeTable, contract.ProbeDeniedTable:
		table := cfg.Table
		if probe == contract.ProbeDeniedTable {
			table = cfg.ProbeDeniedTable
		}
		if h.DynamoDB == nil || table == "" {
			return nil
		}
		// The denied table's item is looked up with the lab's key, or any
		// key when the lab has none: the endpoint policy refuses the call
		// before the key matters.
		key := cfg.TableKey
		if key == "" {
			key = "probe"
		}
		rep.Target = table
		return func(ctx context.Context, rep *contract.Report) error { return h.getItem(ctx, rep, table, key) }
	case contract.ProbeAllowedKey, contract.ProbeDeniedKey:
		key := cfg.ProbeAllowedKey
		if probe == contract.ProbeDeniedKey {
			key = cfg.ProbeDeniedKey
		}
		rep.Target, rep.Bucket = key, cfg.Bucket
		return func(ctx context.Context, rep *contract.Report) error { return h.getObject(ctx, rep, key) }
	}
	return nil
}

// InterfaceEndpointURL is the endpoint URL that reaches buckets through an
// S3 interface endpoint, given the endpoint's regional DNS name as EC2
// reports it (*.vpce-ID.s3.REGION.vpce.amazonaws.com): the leading "*"
// becomes "bucket". Amazon S3 User Guide, "AWS PrivateLink for Amazon S3",
// section "Accessing buckets, access points, and Amazon S3 Control API
// operations from S3 interface endpoints"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/privatelink-interface-endpoints.html).
// The SDK then addresses the bucket virtual-hosted style, as
// https://BUCKET.bucket.vpce-ID.s3.REGION.vpce.amazonaws.com/ (tested).
func InterfaceEndpointURL(dns string) string {
	return "https://bucket." + strings.TrimPrefix(dns, "*.")
}

// resolve resolves rep.Target and reports the addresses, sorted, and
// whether each of them is inside Config.VPCCIDR.
func (h *Handler) resolve(ctx context.Context, rep *contract.Report) error {
	lookup := h.LookupHost
	if lookup == nil {
		lookup = net.DefaultResolver.LookupHost
	}
	addrs, err := lookup(ctx, rep.Target)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", rep.Target, err)
	}
	if len(addrs) == 0 {
		return fmt.Errorf("resolve %s: no addresses", rep.Target)
	}
	rep.Addresses = slices.Sorted(slices.Values(addrs))
	rep.InVPC = true
	for _, a := range rep.Addresses {
		ip, err := netip.ParseAddr(a)
		if err != nil || !h.Config.VPCCIDR.Contains(ip.Unmap()) {
			rep.InVPC = false
		}
	}
	return nil
}

// stsEndpoint is the endpoint the STS client sends GetCallerIdentity to,
// resolved the way the client resolves it (the regional one by default), or
// the operation's name when it cannot be resolved (the call then fails and
// says why).
func stsEndpoint(ctx context.Context, c *sts.Client) string {
	o := c.Options()
	ep, err := o.EndpointResolverV2.ResolveEndpoint(ctx, sts.EndpointParameters{
		Region:       aws.String(o.Region),
		Endpoint:     o.BaseEndpoint,
		UseDualStack: aws.Bool(o.EndpointOptions.UseDualStackEndpoint == aws.DualStackEndpointStateEnabled),
		UseFIPS:      aws.Bool(o.EndpointOptions.UseFIPSEndpoint == aws.FIPSEndpointStateEnabled),
	})
	if err != nil {
		return "sts:GetCallerIdentity"
	}
	return ep.URI.String()
}

// callerIdentity asks STS who the function runs as.
func (h *Handler) callerIdentity(ctx context.Context, rep *contract.Report) error {
	out, err := h.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("get caller identity: %w", err)
	}
	rep.Identity = aws.ToString(out.Arn)
	return nil
}

// errNoItem: GetItem answered, without the item.
var errNoItem = errors.New("no such item")

// getItem reads the item whose contract.TableKeyAttribute is key from table
// and reports its attribute names, sorted, in rep.Keys (not their values).
func (h *Handler) getItem(ctx context.Context, rep *contract.Report, table, key string) error {
	out, err := h.DynamoDB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table),
		Key:       map[string]types.AttributeValue{contract.TableKeyAttribute: &types.AttributeValueMemberS{Value: key}},
	})
	if err != nil {
		return fmt.Errorf("get item %s=%q from %s: %w", contract.TableKeyAttribute, key, table, err)
	}
	if len(out.Item) == 0 {
		return fmt.Errorf("get item %s=%q from %s: %w", contract.TableKeyAttribute, key, table, errNoItem)
	}
	for name := range out.Item {
		rep.Keys = append(rep.Keys, name)
	}
	slices.Sort(rep.Keys)
	return nil
}

// getObject reads key from rep.Bucket, at most maxObjectRead bytes of it, and
// reports the key in rep.Keys.
func (h *Handler) getObject(ctx context.Context, rep *contract.Report, key string) error {
	out, err := h.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(rep.Bucket), Key: aws.String(key)})
	if err != nil {
		return fmt.Errorf("get object %s from %s: %w", key, rep.Bucket, err)
	}
	defer out.Body.Close()
	if _, err := io.CopyN(io.Discard, out.Body, maxObjectRead); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read object %s from %s: %w", key, rep.Bucket, err)
	}
	rep.Keys = append(rep.Keys, key)
	return nil
}
