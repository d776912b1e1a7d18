package policy

// PermissionsBoundary is a permissions boundary that grants exactly what the
// lab's roles use (the three functions' and the flow logs'): S3 and DynamoDB
// reads, the model, STS's identity, log writes, the functions' network
// interfaces. Organizations that require a boundary on every role
// (permissionsBoundaryArn) and have none that fits can create it as a
// managed policy: iam/lab-permissions-boundary.json is this document,
// rewritten by `scripts/generate.sh` (internal/proof/ciroles). A boundary caps what a
// role's policies grant; it grants nothing by itself.
//
// Deviation from cdk-nag AwsSolutions-IAM5: Resource "*", since a boundary
// names no resource of a stack (the roles' own policies do).
func PermissionsBoundary() Document {
	all := []string{"*"}
	return Document{
		Version: Version,
		Statement: []Statement{
			{Sid: "LabDataReads", Effect: "Allow", Resource: all, Action: []string{
				"bedrock:InvokeModel", "dynamodb:GetItem", "dynamodb:Query", "s3:GetObject", "s3:ListBucket", "sts:GetCallerIdentity"}},
			{Sid: "LogWrites", Effect: "Allow", Resource: all, Action: []string{
				"logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:PutLogEvents"}},
			{Sid: "FunctionNetworkInterfaces", Effect: "Allow", Resource: all, Action: []string{
				"ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
				"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:UnassignPrivateIpAddresses"}},
		},
	}
}
