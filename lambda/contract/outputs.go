package contract

// Values of the internetEgress and flowLogs settings and outputs.
const (
	EgressNone = "none"
	EgressNAT  = "nat"

	FlowLogsOff        = "off"
	FlowLogsCloudWatch = "cloudwatch"
	FlowLogsS3         = "s3"
)

// StackOutputs are the lab's stack outputs by their names: the Pulumi
// component declares one output per field (its pulumi tag is the json tag
// here), the stack exports each, and the verifier decodes
// `pulumi stack output --json` into this type. The variants' outputs are
// empty (or empty lists) when a variant is off; a stack from before the
// variants has none of them.
type StackOutputs struct {
	Region           string   `json:"region"`
	VPCID            string   `json:"vpcId"`
	PrivateSubnetIDs []string `json:"privateSubnetIds"`
	// AvailabilityZones and AvailabilityZoneIDs are the private subnets'
	// zones, in the same order: names, and the IDs that name the same
	// physical zone in every account.
	AvailabilityZones   []string `json:"availabilityZones"`
	AvailabilityZoneIDs []string `json:"availabilityZoneIds"`
	RouteTableIDs       []string `json:"routeTableIds"`
	EndpointID          string   `json:"endpointId"`
	PrefixListID        string   `json:"prefixListId"`
	EndpointPolicy      string   `json:"endpointPolicy"`
	BucketName          string   `json:"bucketName"`
	SeedKeys            []string `json:"seedKeys"`
	// Probe targets: DeniedProbeBucket always; CrossRegionBucket and
	// CrossRegion are empty unless the crossRegion setting is set.
	DeniedProbeBucket string `json:"deniedProbeBucket"`
	CrossRegionBucket string `json:"crossRegionBucket"`
	CrossRegion       string `json:"crossRegion"`
	SecurityGroupID   string `json:"securityGroupId"`
	RoleARN           string `json:"roleArn"`
	// ProbeRoleARN and RestrictedRoleARN are the other functions' roles.
	ProbeRoleARN      string `json:"probeRoleArn"`
	RestrictedRoleARN string `json:"restrictedRoleArn"`

	// The variants' outputs.
	InternetEgress           string            `json:"internetEgress"`
	VPCCIDR                  string            `json:"vpcCidr"`
	PublicSubnetIDs          []string          `json:"publicSubnetIds"`
	InternetGatewayID        string            `json:"internetGatewayId"`
	NATGatewayID             string            `json:"natGatewayId"`
	S3InterfaceEndpointID    string            `json:"s3InterfaceEndpointId"`
	S3InterfaceDNS           string            `json:"s3InterfaceDns"`
	AccessPointARN           string            `json:"accessPointArn"`
	TableName                string            `json:"tableName"`
	DeniedTableName          string            `json:"deniedTableName"`
	DynamoDBEndpointID       string            `json:"dynamodbEndpointId"`
	DynamoDBEndpointPolicy   string            `json:"dynamodbEndpointPolicy"`
	InterfaceEndpointIDs     map[string]string `json:"interfaceEndpointIds"`
	RestrictedSubnetIDs      []string          `json:"restrictedSubnetIds"`
	RestrictedRouteTableIDs  []string          `json:"restrictedRouteTableIds"`
	RestrictedEndpointID     string            `json:"restrictedEndpointId"`
	RestrictedEndpointPolicy string            `json:"restrictedEndpointPolicy"`
	RestrictedPrefix         string            `json:"restrictedPrefix"`
	RestrictedFunctionName   string            `json:"restrictedFunctionName"`
	ProbeFunctionName        string            `json:"probeFunctionName"`
	FlowLogs                 string            `json:"flowLogs"`
	FlowLogID                string            `json:"flowLogId"`
	FlowLogDestination       string            `json:"flowLogDestination"`
	// AdminPrincipalARNs may manage the lab bucket from outside the VPC.
	AdminPrincipalARNs []string `json:"adminPrincipalArns"`
	LogGroupName       string   `json:"logGroupName"`
	FunctionName       string   `json:"functionName"`
	FunctionARN        string   `json:"functionArn"`
}
