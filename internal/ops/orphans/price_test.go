package orphans

import (
	"context"
	"testing"
)

// TestPriceByARN: kinds that need no AWS call are read from the ARN, with
// the command that deletes each.
func TestPriceByARN(t *testing.T) {
	tests := []struct {
		arn, kind, del string
	}{
		{"arn:aws:lambda:us-east-1:123456789012:function:lab-fn-5e6", "lambda:function",
			"aws lambda delete-function --function-name lab-fn-5e6 --region us-east-1"},
		{"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/lab-fn-5e6:*", "logs:log-group",
			"aws logs delete-log-group --log-group-name /aws/lambda/lab-fn-5e6 --region us-east-1"},
		{"arn:aws:s3:::s3-gw-lab-eph-1-abc", "s3:bucket",
			"aws s3 rb s3://s3-gw-lab-eph-1-abc --force  # deletes the objects; versioned: empty every version first"},
		{"arn:aws:dynamodb:us-east-1:123456789012:table/lab-table", "dynamodb:table",
			"aws dynamodb delete-table --table-name lab-table --region us-east-1"},
		{"arn:aws:iam::123456789012:role/lab/lab-fn-role", "iam:role",
			"aws iam delete-role --role-name lab-fn-role  # after its inline policies (aws iam list-role-policies)"},
		{"arn:aws:ec2:us-east-1:123456789012:subnet/subnet-1", "ec2:subnet",
			"aws ec2 delete-subnet --subnet-id subnet-1 --region us-east-1"},
	}
	for _, tt := range tests {
		r := Resource{ARN: tt.arn, Region: "us-east-1"}
		gone, err := (&Finder{}).price(context.Background(), &r)
		if err != nil || gone {
			t.Fatalf("%s: gone %v, %v", tt.arn, gone, err)
		}
		if r.Kind != tt.kind || r.Delete != tt.del || r.Monthly != 0 {
			t.Errorf("%s:\n got %s, %v a month, %q\nwant %s, 0, %q", tt.arn, r.Kind, r.Monthly, r.Delete, tt.kind, tt.del)
		}
	}
}
