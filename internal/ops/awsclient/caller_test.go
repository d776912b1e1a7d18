package awsclient_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/platformlab/s3-gateway-lab/internal/ops/awsclient"
	"github.com/platformlab/s3-gateway-lab/internal/testing/calltest"
	"github.com/platformlab/s3-gateway-lab/internal/testing/motoserver"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// TestCallerOnMoto: for a session of an IAM Identity Center role, whose path
// carries the instance's region or, for instances in us-east-1, none
// (IAM Identity Center User Guide, "Referencing permission sets in resource
// policies"; AWS Containers blog, "A quick path to Amazon EKS single sign-on
// using AWS SSO"), Caller gives the role's ARN with its path, as IAM
// answers; for an IAM user, the user's ARN. Every call is in the call log.
func TestCallerOnMoto(t *testing.T) {
	srv := motoserver.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := srv.Config()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`
	as := func(creds aws.CredentialsProvider, calls *awsclient.CallLog) aws.Config {
		cfg, err := awsclient.Config(ctx, awsclient.Options{Region: motoserver.Region, EndpointURL: srv.URL, HTTPClient: motoserver.HTTPClient(),
			Credentials: creds, Calls: calls})
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	var logged awsclient.CallLog
	for _, path := range []string{"/aws-reserved/sso.amazonaws.com/eu-west-1/", "/aws-reserved/sso.amazonaws.com/"} {
		role, err := iam.NewFromConfig(admin).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(fmt.Sprintf("AWSReservedSSO_Admin_%d", strings.Count(path, "/"))),
			Path: aws.String(path), AssumeRolePolicyDocument: aws.String(trust)})
		if err != nil {
			t.Fatal(err)
		}
		out, err := sts.NewFromConfig(admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("jane")})
		if err != nil {
			t.Fatal(err)
		}
		c := out.Credentials
		before := len(logged.Calls())
		id, err := awsclient.Caller(ctx, as(credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)), &logged))
		if err != nil {
			t.Fatal(err)
		}
		if id.ARN != aws.ToString(role.Role.Arn) || id.Account != "123456789012" {
			t.Errorf("path %s: got %+v, want the role's ARN %s with its path", path, id, aws.ToString(role.Role.Arn))
		}
		var ops []string
		for _, call := range logged.Calls()[before:] {
			ops = append(ops, call.Service+" "+call.Operation)
		}
		if strings.Join(ops, ", ") != "STS GetCallerIdentity, IAM GetRole" {
			t.Errorf("call log: got %v, want STS GetCallerIdentity, IAM GetRole", ops)
		}
	}
	// The calls, with the role's name as a placeholder (the CI roles have
	// the path /), for the CI roles' test: the reaper and destroy.sh's
	// scripts/caller-arn.sh make them.
	calltest.Check(t, repo.Root(t), "caller", "internal/ops/awsclient TestCallerOnMoto: an Identity Center role's session on moto",
		&logged, map[string]string{"AWSReservedSSO_Admin_3": "{role}", "AWSReservedSSO_Admin_4": "{role}"},
		map[string]string{"{role}": "the role the caller's session is of"})
	user, err := iam.NewFromConfig(admin).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob"), Path: aws.String("/people/")})
	if err != nil {
		t.Fatal(err)
	}
	key, err := iam.NewFromConfig(admin).CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	id, err := awsclient.Caller(ctx, as(credentials.NewStaticCredentialsProvider(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""), nil))
	if err != nil || id.ARN != aws.ToString(user.User.Arn) {
		t.Errorf("user bob: got %+v, %v, want %s", id, err, aws.ToString(user.User.Arn))
	}
}
