// Package settings names what a lab stack is configured and labelled with:
// the Pulumi project, its configuration keys, the AWS provider's keys the
// program reads, and the tags on its resources and stacks. The program
// (labstack) reads these; the operations (ephemeral, reap, orphans) write and
// read them on stacks without linking the program and its AWS provider SDK.
package settings

// Project is the Pulumi project name (Pulumi.yaml's name), which is also the
// namespace of the lab's configuration keys.
const Project = "s3-gateway-lab"

// Configuration keys of the project (Pulumi.yaml declares each with its type,
// description and default; the defaults live there only).
const (
	KeyVPCCIDR              = "vpcCidr"
	KeySubnetPrefixLength   = "subnetPrefixLength"
	KeyAZCount              = "azCount"
	KeyAvailabilityZones    = "availabilityZones"
	KeyExcludeZoneIDs       = "excludeZoneIds"
	KeyBucketPrefix         = "bucketPrefix"
	KeyForceDestroy         = "forceDestroy"
	KeyAdminPrincipalARNs   = "adminPrincipalArns"
	KeyPermissionsBoundary  = "permissionsBoundaryArn"
	KeyIAMPath              = "iamPath"
	KeyLambdaMemoryMB       = "lambdaMemoryMb"
	KeyLambdaTimeoutSeconds = "lambdaTimeoutSeconds"
	KeyLogRetentionDays     = "logRetentionDays"
	KeyMaxKeys              = "maxKeys"
	KeyConnectTimeoutMS     = "connectTimeoutMs"
	KeyRequestTimeoutMS     = "requestTimeoutMs"
	KeyCrossRegion          = "crossRegion"
	KeyExpiresAt            = "expiresAt"
	KeyTags                 = "tags"
	KeyNamePrefix           = "namePrefix"
	KeyInternetEgress       = "internetEgress"
	KeyS3Endpoints          = "s3Endpoints"
	KeyAccessPoint          = "accessPoint"
	KeyDynamoDB             = "dynamodb"
	KeyInterfaceEndpoints   = "interfaceEndpoints"
	KeyBedrockModelID       = "bedrockModelId"
	KeyRestrictedTier       = "restrictedTier"
	KeyRestrictedPrefix     = "restrictedPrefix"
	KeyFlowLogs             = "flowLogs"
)

// Keys are the project's configuration keys, the only ones accepted in its
// namespace.
var Keys = []string{
	KeyVPCCIDR, KeySubnetPrefixLength, KeyAZCount, KeyAvailabilityZones, KeyExcludeZoneIDs, KeyBucketPrefix,
	KeyForceDestroy, KeyAdminPrincipalARNs, KeyPermissionsBoundary, KeyIAMPath, KeyLambdaMemoryMB, KeyLambdaTimeoutSeconds, KeyLogRetentionDays,
	KeyMaxKeys, KeyConnectTimeoutMS, KeyRequestTimeoutMS, KeyCrossRegion, KeyExpiresAt, KeyTags, KeyNamePrefix,
	KeyInternetEgress, KeyS3Endpoints, KeyAccessPoint, KeyDynamoDB, KeyInterfaceEndpoints, KeyBedrockModelID,
	KeyRestrictedTier, KeyRestrictedPrefix, KeyFlowLogs,
}

// AWS provider configuration the program reads, besides aws:region: what the
// other region's explicit provider must repeat.
const (
	AWSRegion                 = "aws:region"
	AWSProfile                = "aws:profile"
	AWSSharedConfigFiles      = "aws:sharedConfigFiles"
	AWSSharedCredentialsFiles = "aws:sharedCredentialsFiles"
	AWSAssumeRole             = "aws:assumeRole"
	AWSAssumeRoleWebIdentity  = "aws:assumeRoleWithWebIdentity"
	AWSAccessKey              = "aws:accessKey"
	AWSSecretKey              = "aws:secretKey"
	AWSToken                  = "aws:token"
	AWSAllowedAccountIDs      = "aws:allowedAccountIds"
	AWSDefaultTags            = "aws:defaultTags"
)

// Tag keys the program puts on every taggable resource. TagExpiresAt is
// also the stack tag the reaper reads: the one place a stack's expiry lives
// for it (the resource tag only labels the resources: removing the stack tag
// keeps the stack for good).
const (
	TagProject   = "lab:project"
	TagStack     = "lab:stack"
	TagExpiresAt = "lab:expires-at"
)

// TagCreatedBy is the stack tag recording which repository's commands created
// the stack (pulumicli.Owner), set once at creation by scripts/deploy.sh
// --create and cmd/ephemeral. The reaper destroys only stacks whose tag names
// its own repository, so teams sharing a backend never reap each other's.
const TagCreatedBy = "lab:created-by"
