package verify

import (
	"fmt"
	"slices"
	"strings"
)

// Values of the internetEgress and flowLogs outputs (components.EgressNone,
// EgressNAT, FlowLogsOff, FlowLogsCloudWatch, FlowLogsS3; the verifier does
// not import the Pulumi program).
const (
	EgressNone         = "none"
	EgressNAT          = "nat"
	FlowLogsOff        = "off"
	FlowLogsCloudWatch = "cloudwatch"
	FlowLogsS3         = "s3"
)

// Outputs are the stack outputs the verifier reads. The variants' outputs
// are empty when a variant is off; a stack from before the variants has none
// of them, and is read as internetEgress none, flowLogs off.
type Outputs struct {
	Region            string
	VPCID             string
	RouteTableIDs     []string
	EndpointID        string
	PrefixListID      string
	EndpointPolicy    string
	FunctionName      string
	BucketName        string
	SecurityGroupID   string
	SeedKeys          []string
	DeniedProbeBucket string
	CrossRegionBucket string
	CrossRegion       string

	InternetEgress           string
	VPCCIDR                  string
	PrivateSubnetIDs         []string
	PublicSubnetIDs          []string
	InternetGatewayID        string
	NATGatewayID             string
	S3InterfaceEndpointID    string
	S3InterfaceDNS           string
	AccessPointARN           string
	TableName                string
	DeniedTableName          string
	DynamoDBEndpointID       string
	DynamoDBEndpointPolicy   string
	InterfaceEndpointIDs     map[string]string
	RestrictedSubnetIDs      []string
	RestrictedRouteTableIDs  []string
	RestrictedEndpointID     string
	RestrictedEndpointPolicy string
	RestrictedPrefix         string
	RestrictedFunctionName   string
	ProbeFunctionName        string
	FlowLogs                 string
	FlowLogID                string
	FlowLogDestination       string
}

// HasS3Endpoint reports whether the stack has an S3 endpoint (gateway or
// interface) for the lab function's subnets.
func (o Outputs) HasS3Endpoint() bool {
	return o.EndpointID != "" || o.S3InterfaceEndpointID != ""
}

// egress is internetEgress, none for a stack from before the variants.
func (o Outputs) egress() string {
	if o.InternetEgress == "" {
		return EgressNone
	}
	return o.InternetEgress
}

// ParseOutputs reads the outputs from `pulumi stack output --json` (or the
// Automation API). Which outputs are required follows the variants the
// outputs say the stack deploys; every problem is named in one error.
func ParseOutputs(m map[string]any) (Outputs, error) {
	var problems []string
	str := func(k string) string {
		s, _ := m[k].(string)
		return s
	}
	list := func(k string) []string {
		var raw []any
		switch v := m[k].(type) {
		case []any:
			raw = v
		case []string:
			for _, s := range v {
				raw = append(raw, s)
			}
		}
		var out []string
		for _, v := range raw {
			if s, ok := v.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	strMap := func(k string) map[string]string {
		out := map[string]string{}
		switch v := m[k].(type) {
		case map[string]any:
			for svc, id := range v {
				if s, ok := id.(string); ok && s != "" {
					out[svc] = s
				}
			}
		case map[string]string:
			for svc, id := range v {
				if id != "" {
					out[svc] = id
				}
			}
		}
		return out
	}
	o := Outputs{
		Region:            str("region"),
		VPCID:             str("vpcId"),
		RouteTableIDs:     list("routeTableIds"),
		EndpointID:        str("endpointId"),
		PrefixListID:      str("prefixListId"),
		EndpointPolicy:    str("endpointPolicy"),
		FunctionName:      str("functionName"),
		BucketName:        str("bucketName"),
		SecurityGroupID:   str("securityGroupId"),
		SeedKeys:          list("seedKeys"),
		DeniedProbeBucket: str("deniedProbeBucket"),
		CrossRegionBucket: str("crossRegionBucket"),
		CrossRegion:       str("crossRegion"),

		InternetEgress:           str("internetEgress"),
		VPCCIDR:                  str("vpcCidr"),
		PrivateSubnetIDs:         list("privateSubnetIds"),
		PublicSubnetIDs:          list("publicSubnetIds"),
		InternetGatewayID:        str("internetGatewayId"),
		NATGatewayID:             str("natGatewayId"),
		S3InterfaceEndpointID:    str("s3InterfaceEndpointId"),
		S3InterfaceDNS:           str("s3InterfaceDns"),
		AccessPointARN:           str("accessPointArn"),
		TableName:                str("tableName"),
		DeniedTableName:          str("deniedTableName"),
		DynamoDBEndpointID:       str("dynamodbEndpointId"),
		DynamoDBEndpointPolicy:   str("dynamodbEndpointPolicy"),
		InterfaceEndpointIDs:     strMap("interfaceEndpointIds"),
		RestrictedSubnetIDs:      list("restrictedSubnetIds"),
		RestrictedRouteTableIDs:  list("restrictedRouteTableIds"),
		RestrictedEndpointID:     str("restrictedEndpointId"),
		RestrictedEndpointPolicy: str("restrictedEndpointPolicy"),
		RestrictedPrefix:         str("restrictedPrefix"),
		RestrictedFunctionName:   str("restrictedFunctionName"),
		ProbeFunctionName:        str("probeFunctionName"),
		FlowLogs:                 str("flowLogs"),
		FlowLogID:                str("flowLogId"),
		FlowLogDestination:       str("flowLogDestination"),
	}

	var missing []string
	// need names the outputs that must be set; why, when not empty, says
	// which variant needs them.
	need := func(why string, outputs ...string) {
		for _, k := range outputs {
			set := false
			switch v := m[k].(type) {
			case string:
				set = v != ""
			case []any, []string:
				set = len(list(k)) > 0
			case map[string]any, map[string]string:
				set = len(strMap(k)) > 0
			}
			if !set {
				if why != "" {
					k += " (" + why + ")"
				}
				missing = append(missing, k)
			}
		}
	}
	need("", "region", "vpcId", "routeTableIds")
	// The S3 gateway endpoint's outputs are required unless the stack says
	// it has another way to S3: an interface endpoint, or the NAT gateway.
	switch {
	case o.EndpointID != "":
		need("endpointId is set", "prefixListId", "endpointPolicy")
	case o.S3InterfaceEndpointID == "" && o.InternetEgress != EgressNAT:
		need("", "endpointId", "prefixListId", "endpointPolicy")
	}
	need("", "functionName", "seedKeys", "deniedProbeBucket")

	switch o.InternetEgress {
	case "", EgressNone:
	case EgressNAT:
		need("internetEgress is nat", "internetGatewayId", "natGatewayId", "publicSubnetIds")
	default:
		problems = append(problems, fmt.Sprintf("internetEgress is %q: this verifier knows %q and %q", o.InternetEgress, EgressNone, EgressNAT))
	}
	if o.S3InterfaceEndpointID != "" || len(o.InterfaceEndpointIDs) > 0 {
		need("interface endpoints are set", "privateSubnetIds")
	}
	if o.S3InterfaceEndpointID != "" && o.EndpointID == "" {
		// The s3-dns probe judges addresses against the VPC's CIDR.
		need("s3InterfaceEndpointId is set", "vpcCidr")
	}
	if o.AccessPointARN != "" {
		// The verifier lists the bucket by name from outside as the control
		// of the access point's refusal.
		need("accessPointArn is set", "bucketName")
	}
	if o.AccessPointARN != "" && o.EndpointID == "" {
		problems = append(problems, "accessPointArn is set but endpointId is empty (an access point stack has the S3 gateway endpoint)")
	}
	if o.DynamoDBEndpointID != "" || o.TableName != "" {
		need("the DynamoDB variant is deployed", "dynamodbEndpointId", "dynamodbEndpointPolicy", "tableName", "deniedTableName")
	}
	if o.RestrictedEndpointID != "" || o.RestrictedFunctionName != "" {
		need("the restricted tier is deployed", "restrictedEndpointId", "restrictedEndpointPolicy", "restrictedRouteTableIds",
			"restrictedFunctionName", "restrictedPrefix")
	}
	switch o.FlowLogs {
	case "", FlowLogsOff:
	case FlowLogsCloudWatch, FlowLogsS3:
		need("flowLogs is "+o.FlowLogs, "flowLogId", "flowLogDestination")
		if o.FlowLogs == FlowLogsCloudWatch {
			// The flow log's records are matched to the lab function's
			// network interfaces, found by its security group.
			need("flowLogs is cloudwatch", "securityGroupId")
		}
	default:
		problems = append(problems, fmt.Sprintf("flowLogs is %q: this verifier knows %q, %q and %q", o.FlowLogs,
			FlowLogsOff, FlowLogsCloudWatch, FlowLogsS3))
	}
	if len(missing) > 0 {
		problems = slices.Insert(problems, 0, "stack outputs missing: "+strings.Join(missing, ", ")+
			" (is this a stack of the lab, and is it deployed?)")
	}
	if len(problems) > 0 {
		return o, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return o, nil
}
