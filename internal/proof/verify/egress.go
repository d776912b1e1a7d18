package verify

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// checkRefusedEgress completes the lab function's refused-egress claim: a
// connection that timed out proves the security group refused it only if
// none of the group's egress rules admits TCP 443 to an address the probe
// tried (else a route table dropped it, and the group may be open). A rule
// to a prefix list is judged by the list's entries
// (ec2:GetManagedPrefixListEntries, which serves AWS-managed lists such as
// S3's and DynamoDB's too: EC2 API Reference, GetManagedPrefixListEntries):
// S3's public ranges are where an address of the internet probe's host
// could lie. A list whose entries cannot be read leaves the claim
// INCONCLUSIVE.
func (v *Verifier) checkRefusedEgress(ctx context.Context, r Result, addrs []string) Result {
	if r.Status != Pass {
		return r
	}
	sg := v.Outputs.SecurityGroupID
	if sg == "" {
		r.Status, r.Observed = Inconclusive, r.Observed+"; but securityGroupId is not an output, so the group's rules cannot be read"
		return r
	}
	admitting, unknown, err := v.egressAdmits(ctx, sg, addrs)
	switch {
	case err != nil:
		return apiError(r.Check, r.Expected, err)
	case admitting != "":
		r.Status = Fail
		r.Observed += fmt.Sprintf("; but %s admits it (%s): a route table dropped it, not the group", sg, admitting)
	case unknown != "":
		r.Status = Inconclusive
		r.Observed += fmt.Sprintf("; but %s has a rule to %s", sg, unknown)
	default:
		r.Observed += fmt.Sprintf("; no egress rule of %s admits them on %d (prefix lists read entry by entry)", sg, HTTPSPort)
	}
	return r
}

// egressAdmits reads the egress rules of security group sg and returns the
// first that admits TCP 443 to one of addrs, described; or, when none does,
// a rule to a prefix list whose entries could not be read, described.
func (v *Verifier) egressAdmits(ctx context.Context, sg string, addrs []string) (admitting, unknown string, err error) {
	var ips []netip.Addr
	for _, a := range addrs {
		if ip, err := netip.ParseAddr(a); err == nil {
			ips = append(ips, ip.Unmap())
		}
	}
	admits := func(cidr string) bool {
		prefix, err := netip.ParsePrefix(cidr)
		if err != nil {
			return false
		}
		for _, ip := range ips {
			if prefix.Contains(ip) {
				return true
			}
		}
		return false
	}
	p := ec2.NewDescribeSecurityGroupRulesPaginator(v.EC2, &ec2.DescribeSecurityGroupRulesInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{sg}}},
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return "", "", err
		}
		for _, rule := range out.SecurityGroupRules {
			if !aws.ToBool(rule.IsEgress) || !admitsHTTPS(rule) {
				continue
			}
			id := aws.ToString(rule.SecurityGroupRuleId)
			if pl := aws.ToString(rule.PrefixListId); pl != "" {
				entries, err := v.prefixListEntries(ctx, pl)
				if err != nil {
					if unknown == "" {
						unknown = fmt.Sprintf("prefix list %s (%s) whose entries could not be read: %v", pl, id, err)
					}
					continue
				}
				for _, cidr := range entries {
					if admits(cidr) {
						return fmt.Sprintf("rule %s, %s to prefix list %s, whose entry %s holds a tried address", id, aws.ToString(rule.IpProtocol), pl, cidr), "", nil
					}
				}
				continue
			}
			for _, c := range []string{aws.ToString(rule.CidrIpv4), aws.ToString(rule.CidrIpv6)} {
				if admits(c) {
					return fmt.Sprintf("rule %s, %s to %s", id, aws.ToString(rule.IpProtocol), c), "", nil
				}
			}
		}
	}
	return "", unknown, nil
}

// prefixListEntries reads the CIDR blocks of prefix list id.
func (v *Verifier) prefixListEntries(ctx context.Context, id string) ([]string, error) {
	p := ec2.NewGetManagedPrefixListEntriesPaginator(v.EC2, &ec2.GetManagedPrefixListEntriesInput{PrefixListId: aws.String(id)})
	return allPages(ctx, p, func(out *ec2.GetManagedPrefixListEntriesOutput) (cidrs []string) {
		for _, e := range out.Entries {
			cidrs = append(cidrs, aws.ToString(e.Cidr))
		}
		return cidrs
	})
}

// ec2Pager is an EC2 paginator whose pages are O.
type ec2Pager[O any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*ec2.Options)) (*O, error)
}

// allPages reads every page of p and returns what of returns for each, in
// order; it stops at the first error.
func allPages[O any](ctx context.Context, p ec2Pager[O], of func(*O) []string) ([]string, error) {
	var all []string
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		all = append(all, of(out)...)
	}
	return all, nil
}

// admitsHTTPS reports whether a rule's protocol and ports cover TCP 443.
func admitsHTTPS(rule ec2types.SecurityGroupRule) bool {
	switch aws.ToString(rule.IpProtocol) {
	case "-1":
		return true
	case "tcp", "6":
		return aws.ToInt32(rule.FromPort) <= HTTPSPort && HTTPSPort <= aws.ToInt32(rule.ToPort)
	}
	return false
}
