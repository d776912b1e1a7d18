package cost

// Region and Taken say where and when every price in Prices was read:
// us-east-1, list prices, as read in November 2026. Other regions differ.
const (
	Region = "us-east-1"
	Taken  = "2026-11"
)

// HoursPerMonth is the month AWS bills hourly resources by.
const HoursPerMonth = 730

// Unit is what a unit price is charged per.
type Unit string

// Units of the prices in Prices.
const (
	PerHour           Unit = "hour"
	PerGB             Unit = "GB"
	PerGBMonth        Unit = "GB-month"
	PerGBSecond       Unit = "GB-second"
	PerMillionCalls   Unit = "1M requests"
	PerMillionReadRUs Unit = "1M read request units"
)

// Keys of the entries in Prices. Estimate looks every price up by its key.
const (
	NATGatewayHour        = "nat-gateway-hour"
	NATGatewayGB          = "nat-gateway-gb"
	PublicIPv4Hour        = "public-ipv4-hour"
	InterfaceEndpointHour = "interface-endpoint-hour"
	InterfaceEndpointGB   = "interface-endpoint-gb"
	GatewayEndpointHour   = "gateway-endpoint-hour"
	S3StandardGBMonth     = "s3-standard-gb-month"
	LogsIngestGB          = "logs-ingest-gb"
	LogsStorageGBMonth    = "logs-storage-gb-month"
	FlowLogsToLogsGB      = "flow-logs-cloudwatch-gb"
	FlowLogsToS3GB        = "flow-logs-s3-gb"
	LambdaARMGBSecond     = "lambda-arm64-gb-second"
	LambdaRequests        = "lambda-requests"
	DynamoDBStorage       = "dynamodb-storage-gb-month"
	DynamoDBReads         = "dynamodb-on-demand-reads"
)

// Price is one entry of the price table.
type Price struct {
	Key  string
	Item string
	// USD is the price of one Unit, in US dollars; 0 for what AWS does not
	// charge for.
	USD  float64
	Unit Unit
	// Source names the AWS pricing page the price was read from.
	Source string
	Note   string
}

// Prices is the price table: the only place the cost estimate takes a number
// from. Prices are us-east-1 list prices, as read in November 2026 on the AWS
// pricing pages named (and agreed by third-party copies of them); other
// regions differ.
var Prices = []Price{
	{Key: NATGatewayHour, Item: "NAT gateway hours", USD: 0.045, Unit: PerHour, Source: "Amazon VPC pricing (NAT gateway)",
		Note: "charged per hour whether or not traffic flows"},
	{Key: NATGatewayGB, Item: "NAT gateway data processed", USD: 0.045, Unit: PerGB, Source: "Amazon VPC pricing (NAT gateway)"},
	{Key: PublicIPv4Hour, Item: "Public IPv4 address hours", USD: 0.005, Unit: PerHour, Source: "Amazon VPC pricing (public IPv4 address)",
		Note: "every public IPv4 address, in use or idle, since 2024-02-01; a NAT gateway's Elastic IP is one"},
	{Key: InterfaceEndpointHour, Item: "Interface endpoint hours", USD: 0.01, Unit: PerHour, Source: "AWS PrivateLink pricing (interface endpoints)",
		Note: "per endpoint per availability zone (one network interface per subnet)"},
	{Key: InterfaceEndpointGB, Item: "Interface endpoint data processed", USD: 0.01, Unit: PerGB, Source: "AWS PrivateLink pricing (interface endpoints)",
		Note: "first 1 PB a month"},
	{Key: GatewayEndpointHour, Item: "Gateway endpoint (S3, DynamoDB)", USD: 0, Unit: PerHour, Source: "AWS PrivateLink pricing (gateway endpoints: no charge)",
		Note: "free: no hourly or data processing charge"},
	{Key: S3StandardGBMonth, Item: "S3 Standard storage", USD: 0.023, Unit: PerGBMonth, Source: "Amazon S3 pricing (storage)",
		Note: "first 50 TB a month; the seeded objects are a few bytes"},
	{Key: LogsIngestGB, Item: "CloudWatch Logs ingestion", USD: 0.50, Unit: PerGB, Source: "Amazon CloudWatch pricing (logs)"},
	{Key: LogsStorageGBMonth, Item: "CloudWatch Logs storage", USD: 0.03, Unit: PerGBMonth, Source: "Amazon CloudWatch pricing (logs)"},
	{Key: FlowLogsToLogsGB, Item: "VPC flow logs to CloudWatch Logs (vended log ingestion)", USD: 0.50, Unit: PerGB, Source: "Amazon CloudWatch pricing (vended logs)",
		Note: "first 10 TB a month; storage is the log group's"},
	{Key: FlowLogsToS3GB, Item: "VPC flow logs to S3 (vended log delivery)", USD: 0.25, Unit: PerGB, Source: "Amazon CloudWatch pricing (vended logs)",
		Note: "first 10 TB a month; storage is the bucket's"},
	{Key: LambdaARMGBSecond, Item: "Lambda arm64 duration", USD: 0.0000133334, Unit: PerGBSecond, Source: "AWS Lambda pricing"},
	{Key: LambdaRequests, Item: "Lambda requests", USD: 0.20, Unit: PerMillionCalls, Source: "AWS Lambda pricing"},
	{Key: DynamoDBStorage, Item: "DynamoDB storage", USD: 0.25, Unit: PerGBMonth, Source: "Amazon DynamoDB pricing (on-demand)",
		Note: "first 25 GB a month free; a seeded item is negligible"},
	{Key: DynamoDBReads, Item: "DynamoDB on-demand reads", USD: 0.125, Unit: PerMillionReadRUs, Source: "Amazon DynamoDB pricing (on-demand)",
		Note: "as of the November 2024 on-demand price cut"},
}
