package verify

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

// Values of the internetEgress and flowLogs outputs.
const (
	EgressNone         = contract.EgressNone
	EgressNAT          = contract.EgressNAT
	FlowLogsOff        = contract.FlowLogsOff
	FlowLogsCloudWatch = contract.FlowLogsCloudWatch
	FlowLogsS3         = contract.FlowLogsS3
)

// Outputs are the stack outputs the verifier reads: the lab's contract
// (contract.StackOutputs), which the Pulumi component declares. A stack from
// before the variants has none of theirs, and is read as internetEgress
// none, flowLogs off.
type Outputs contract.StackOutputs

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
// Automation API) as the contract's JSON. Empty entries of lists and maps
// are dropped. Which outputs are required follows the variants the outputs
// say the stack deploys; every problem is named in one error.
func ParseOutputs(m map[string]any) (Outputs, error) {
	var o Outputs
	b, err := json.Marshal(m)
	if err == nil {
		err = json.Unmarshal(b, &o)
	}
	if err != nil {
		return o, fmt.Errorf("stack outputs: %w", err)
	}
	o.dropEmpty()
	var problems []string
	var missing []string
	// need names the outputs that must be set; why, when not empty, says
	// which variant needs them.
	need := func(why string, outputs ...string) {
		for _, k := range outputs {
			if !o.isSet(k) {
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

// dropEmpty drops the empty strings of the outputs' lists and maps.
func (o *Outputs) dropEmpty() {
	v := reflect.ValueOf(o).Elem()
	for i := range v.NumField() {
		switch f := v.Field(i).Addr().Interface().(type) {
		case *[]string:
			*f = slices.DeleteFunc(*f, func(s string) bool { return s == "" })
			if len(*f) == 0 {
				*f = nil
			}
		case *map[string]string:
			maps.DeleteFunc(*f, func(_, v string) bool { return v == "" })
		}
	}
}

// isSet reports whether the output named key (its json tag) is set: a
// non-empty string, list or map. An unknown name is never set.
func (o Outputs) isSet(key string) bool {
	v := reflect.ValueOf(o)
	for i := range v.NumField() {
		if strings.Split(v.Type().Field(i).Tag.Get("json"), ",")[0] == key {
			return v.Field(i).Len() > 0
		}
	}
	return false
}
