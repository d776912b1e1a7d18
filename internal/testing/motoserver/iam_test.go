package motoserver

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestStartIAMChecksPolicies: a role's session gets what its inline policy
// allows and is refused the rest, S3 resources are matched, the audit log
// names each decision, and a listing with an encoded prefix and delimiter
// (the Pulumi CLI's S3 backend) passes the signature check.
func TestStartIAMChecksPolicies(t *testing.T) {
	srv := StartIAM(t)
	t.Logf("moto with IAM checks answered after %s", srv.StartDuration.Round(time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	admin := srv.Admin()
	adminS3 := s3.NewFromConfig(admin, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range []string{"state-bucket", "other-bucket"} {
		if _, err := adminS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatalf("CreateBucket %s as admin: %v", b, err)
		}
	}
	if _, err := adminS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("state-bucket"),
		Key: aws.String("team/.pulumi/stacks/p/dev.json"), Body: strings.NewReader("{}")}); err != nil {
		t.Fatalf("PutObject as admin: %v", err)
	}
	const policy = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::state-bucket"},
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::state-bucket/team/*"},
		{"Effect":"Allow","Action":"ec2:DescribeVpcs","Resource":"*"}]}`
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",` +
		`"Principal":{"AWS":"arn:aws:iam::` + AccountID + `:user/` + AdminUser + `"}}]}`
	c := iam.NewFromConfig(admin)
	role, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatalf("PutRolePolicy: %v", err)
	}
	creds, err := srv.AssumeRole(ctx, aws.ToString(role.Role.Arn), "test")
	if err != nil {
		t.Fatal(err)
	}
	asRole := srv.As(creds)
	roleS3 := s3.NewFromConfig(asRole, func(o *s3.Options) { o.UsePathStyle = true })
	mark := len(audit(t, srv))

	list, err := roleS3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("state-bucket"),
		Prefix: aws.String("team/.pulumi/stacks/"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatalf("ListObjectsV2 with prefix and delimiter as the role: %v", err)
	}
	if len(list.CommonPrefixes) != 1 || aws.ToString(list.CommonPrefixes[0].Prefix) != "team/.pulumi/stacks/p/" {
		t.Errorf("ListObjectsV2: got prefixes %v, want team/.pulumi/stacks/p/", list.CommonPrefixes)
	}
	if _, err := roleS3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("state-bucket"),
		Key: aws.String("team/.pulumi/stacks/p/dev.json")}); err != nil {
		t.Errorf("GetObject under team/ as the role: %v", err)
	}
	if _, err := ec2.NewFromConfig(asRole).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Errorf("DescribeVpcs as the role: %v", err)
	}
	refused := []struct {
		what string
		call func() error
	}{
		{"s3:PutObject under team/", func() error {
			_, err := roleS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("state-bucket"),
				Key: aws.String("team/.pulumi/stacks/p/dev.json"), Body: strings.NewReader("{}")})
			return err
		}},
		{"s3:ListBucket of another bucket", func() error {
			_, err := roleS3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("other-bucket")})
			return err
		}},
		{"ec2:DescribeSubnets", func() error {
			_, err := ec2.NewFromConfig(asRole).DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
			return err
		}},
		{"iam:GetRole", func() error {
			_, err := iam.NewFromConfig(asRole).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("reader")})
			return err
		}},
	}
	for _, r := range refused {
		if err := r.call(); !IsAccessDenied(err) {
			t.Errorf("%s as the role: got %v, want AccessDenied", r.what, err)
		}
	}

	var got []string
	for _, e := range audit(t, srv)[mark:] {
		got = append(got, e.Result+" "+e.Action+" "+e.Resource)
		if !strings.HasSuffix(e.Principal, ":assumed-role/reader/test") {
			t.Errorf("audit entry %s: want the role's session as principal", e)
		}
	}
	for _, want := range []string{
		"allowed s3:ListBucket arn:aws:s3:::state-bucket",
		"allowed s3:GetObject arn:aws:s3:::state-bucket/team/.pulumi/stacks/p/dev.json",
		"allowed ec2:DescribeVpcs *",
		"denied s3:PutObject arn:aws:s3:::state-bucket/team/.pulumi/stacks/p/dev.json",
		"denied s3:ListBucket arn:aws:s3:::other-bucket",
		"denied ec2:DescribeSubnets *",
		"denied iam:GetRole arn:aws:iam::" + AccountID + ":role/reader",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("audit log: no %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
}

func audit(t *testing.T, srv *IAMServer) []AuditEntry {
	t.Helper()
	entries, err := srv.Audit()
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestPythonOf(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ script, want string }{
		{"#!/usr/local/bin/python3.11\n# -*- coding: utf-8 -*-\n", "/usr/local/bin/python3.11"},
		{"#!/usr/bin/env python3\n", "python3"},
		{"#!/usr/bin/env bash\nset -e\n", "python3"}, // a pyenv shim
		{"", "python3"},
	} {
		path := dir + "/moto_server"
		if err := os.WriteFile(path, []byte(tt.script), 0o755); err != nil {
			t.Fatal(err)
		}
		if got := pythonOf(path); got != tt.want {
			t.Errorf("pythonOf(%q): got %q, want %q", tt.script, got, tt.want)
		}
	}
	if got := pythonOf(dir + "/missing"); got != "python3" {
		t.Errorf("pythonOf(missing file): got %q, want python3", got)
	}
}
