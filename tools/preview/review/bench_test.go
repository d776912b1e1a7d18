package review

import (
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// BenchmarkReview times one scenario's review as scripts/review.sh makes it
// without -access: base = head (no change), and a vpcCidr change on dev (a
// replacement); "all" reviews the three scenario stacks in a row.
func BenchmarkReview(b *testing.B) {
	root := repo.Root(b)
	cases := []struct {
		name   string
		stacks []string
		over   map[string]string
	}{
		{"dev", []string{"dev"}, nil},
		{"internet", []string{"internet"}, nil},
		{"full", []string{"full"}, nil},
		{"dev-vpccidr", []string{"dev"}, map[string]string{"s3-gateway-lab:vpcCidr": "10.43.0.0/16"}},
		{"all", scenarios, nil},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, s := range c.stacks {
					if _, err := Review(Options{Root: root, Stack: s, Overrides: c.over}); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
