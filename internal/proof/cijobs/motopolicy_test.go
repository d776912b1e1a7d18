package cijobs

import (
	"strings"
	"testing"
)

func TestMotoPolicy(t *testing.T) {
	tests := []struct {
		name, policy, want, wantErr string
	}{
		{
			name: "state objects keep their keys",
			policy: `{"Version":"2012-10-17","Statement":[{"Sid":"State","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],
				"Resource":["arn:aws:s3:::state/dev/.pulumi/stacks/p/dev.*"]}]}`,
			want: `{"Version":"2012-10-17","Statement":[{"Sid":"State","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],` +
				`"Resource":["arn:aws:s3:::state/dev/.pulumi/stacks/p/dev.*"]}]}`,
		},
		{
			name: "a KMS key is any resource to moto",
			policy: `{"Version":"2012-10-17","Statement":[{"Sid":"Secrets","Effect":"Allow","Action":["kms:Decrypt"],
				"Resource":["arn:aws:kms:us-east-1:123456789012:key/k"]}]}`,
			want: `{"Version":"2012-10-17","Statement":[{"Sid":"Secrets","Effect":"Allow","Action":["kms:Decrypt"],"Resource":["*"]}]}`,
		},
		{
			name: "moto's name of Invoke",
			policy: `{"Version":"2012-10-17","Statement":[{"Sid":"Invoke","Effect":"Allow","Action":["lambda:InvokeFunction"],
				"Resource":["arn:aws:lambda:*:123456789012:function:lab-*"]}]}`,
			want: `{"Version":"2012-10-17","Statement":[{"Sid":"Invoke","Effect":"Allow","Action":["lambda:InvokeFunction","lambda:Invoke"],"Resource":["*"]}]}`,
		},
		{
			name:   "moto's name of the Tagging API",
			policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["tag:GetResources"],"Resource":["*"]}]}`,
			want:   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["tag:GetResources","tagging:GetResources"],"Resource":["*"]}]}`,
		},
		{
			name: "access point actions split from bucket actions",
			policy: `{"Version":"2012-10-17","Statement":[{"Sid":"S3","Effect":"Allow","Action":["s3:GetAccessPoint","s3:PutObject"],
				"Resource":["arn:aws:s3:*:123456789012:accesspoint/ap-*","arn:aws:s3:::lab-*/*"]}]}`,
			want: `{"Version":"2012-10-17","Statement":[` +
				`{"Sid":"S3","Effect":"Allow","Action":["s3:PutObject"],"Resource":["arn:aws:s3:*:123456789012:accesspoint/ap-*","arn:aws:s3:::lab-*/*"]},` +
				`{"Sid":"S3InMoto","Effect":"Allow","Action":["s3:GetAccessPoint"],"Resource":["*"]}]}`,
		},
		{
			name: "statement IDs stay unique",
			policy: `{"Version":"2012-10-17","Statement":[{"Sid":"S3","Effect":"Allow","Action":["s3:GetAccessPointPolicy","s3:PutObject"],
				"Resource":["arn:aws:s3:::lab-*/*"]},{"Sid":"S3InMoto","Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::x/*"]}]}`,
			want: `{"Version":"2012-10-17","Statement":[` +
				`{"Sid":"S3","Effect":"Allow","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::lab-*/*"]},` +
				`{"Sid":"S3InMoto2","Effect":"Allow","Action":["s3:GetAccessPointPolicy"],"Resource":["*"]},` +
				`{"Sid":"S3InMoto","Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::x/*"]}]}`,
		},
		{
			name: "roles keep their ARNs, conditions stay",
			policy: `{"Version":"2012-10-17","Statement":[{"Sid":"Pass","Effect":"Allow","Action":["iam:PassRole","iam:GetRole"],
				"Resource":["arn:aws:iam::123456789012:role/lab-*"],"Condition":{"StringEquals":{"iam:PassedToService":["lambda.amazonaws.com"]}}}]}`,
			want: `{"Version":"2012-10-17","Statement":[{"Sid":"Pass","Effect":"Allow","Action":["iam:PassRole","iam:GetRole"],` +
				`"Resource":["arn:aws:iam::123456789012:role/lab-*"],"Condition":{"StringEquals":{"iam:PassedToService":["lambda.amazonaws.com"]}}}]}`,
		},
		{
			name:    "Deny is not rendered",
			policy:  `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["s3:PutObject"],"Resource":["*"]}]}`,
			wantErr: "only Allow statements",
		},
		{
			name:    "NotResource is not rendered",
			policy:  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject"],"NotResource":["*"]}]}`,
			wantErr: "NotResource",
		},
		{
			name:    "wildcard actions are not rendered",
			policy:  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*"],"Resource":["*"]}]}`,
			wantErr: "wildcards",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MotoPolicy(tt.policy)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %q; want an error containing %q", err, got, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
