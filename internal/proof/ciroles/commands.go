package ciroles

import "fmt"

// commandRights returns the rights of one of the project's commands, for
// the role's scope: every AWS call the command makes (internal/ops/awsclient
// logs them; the policy evaluator checks each logged call against the roles
// whose jobs run the command). sts:GetCallerIdentity is not listed: it needs
// no permission ("No permissions are required to perform this operation",
// STS API Reference, GetCallerIdentity).
func (b *builder) commandRights(command string) []Right {
	s := b.scope
	account := s.account()
	functions := fmt.Sprintf("arn:%s:lambda:*:%s:function:%s-*", s.Partition, account, s.NamePrefix)
	flowLogGroups := fmt.Sprintf("arn:%s:logs:*:%s:log-group:/aws/vpc-flow-logs/%s-*", s.Partition, account, s.NamePrefix)
	var buckets []string
	for i, arn := range s.buckets() {
		if i%2 == 0 { // the buckets, not their objects
			buckets = append(buckets, arn)
		}
	}
	ec2 := func(ops ...string) []Right {
		var rs []Right
		for _, op := range ops {
			// EC2's Describe* calls have no resource-level permissions
			// (Service Authorization Reference, Amazon EC2).
			rs = append(rs, Right{Action: "ec2:" + op, Resources: []string{"*"}})
		}
		return rs
	}
	switch command {
	case "verify":
		return append(ec2("DescribeRouteTables", "DescribeVpcEndpoints", "DescribePrefixLists", "DescribeInternetGateways",
			"DescribeNatGateways", "DescribeFlowLogs", "DescribeSecurityGroupRules", "DescribeNetworkInterfaces",
			"GetManagedPrefixListEntries"),
			Right{Action: "lambda:InvokeFunction", Resources: []string{functions}, Sid: "InvokeLabFunctions"},
			// The verifier lists the bucket by name and through the access
			// point from outside the VPC (its control and the access
			// point's refusal), and reads the access point's configuration.
			Right{Action: "s3:ListBucket", Resources: append(buckets, s.accessPoints()), Sid: "ListLabBuckets"},
			// No resource type: IAM authorizes it on "*" only.
			Right{Action: "s3:GetAccessPoint", Resources: []string{"*"}},
			Right{Action: "logs:FilterLogEvents", Resources: []string{flowLogGroups}, Sid: "ReadLabFlowLogs"})
	case "orphans":
		// The Tagging API has no resource-level permissions either.
		return append(ec2("DescribeNatGateways", "DescribeVpcEndpoints"), Right{Action: "tag:GetResources", Resources: []string{"*"}})
	case "reap", "caller-arn.sh":
		// Naming the caller: its own role's ARN, with its path.
		return []Right{{Action: "iam:GetRole", Resources: []string{SelfRole}}}
	}
	return nil
}
