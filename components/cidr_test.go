package components

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

func TestParseVPCCIDR(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{in: "10.0.0.0/16"},
		{in: "10.42.0.0/16"},
		{in: "192.168.0.0/28"},
		{in: "10.0.0.0/8", wantErr: "prefix /8 is outside /16 to /28"},
		{in: "10.0.0.0/29", wantErr: "prefix /29 is outside"},
		{in: "10.0.0.1/16", wantErr: "did you mean 10.0.0.0/16"},
		{in: "10.0.0.0", wantErr: "not an IPv4 CIDR block"},
		{in: "", wantErr: "not an IPv4 CIDR block"},
		{in: "300.0.0.0/16", wantErr: "not an IPv4 CIDR block"},
		{in: "fd00::/56", wantErr: "not IPv4"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseVPCCIDR(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseVPCCIDR(%q): got error %v, want none", tt.in, err)
				}
				if got.String() != tt.in {
					t.Errorf("ParseVPCCIDR(%q) = %s, want %s", tt.in, got, tt.in)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseVPCCIDR(%q): got error %v, want one containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestPlanSubnets(t *testing.T) {
	tests := []struct {
		vpc     string
		bits    int
		count   int
		want    []string
		wantErr string
	}{
		{vpc: "10.42.0.0/16", bits: 24, count: 2, want: []string{"10.42.0.0/24", "10.42.1.0/24"}},
		{vpc: "10.0.0.0/16", bits: 20, count: 3, want: []string{"10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"}},
		{vpc: "10.0.0.0/24", bits: 26, count: 4, want: []string{"10.0.0.0/26", "10.0.0.64/26", "10.0.0.128/26", "10.0.0.192/26"}},
		{vpc: "10.0.0.0/24", bits: 24, count: 1, want: []string{"10.0.0.0/24"}},
		{vpc: "10.0.0.0/24", bits: 24, count: 2, wantErr: "holds 1 subnets of /24, not 2"},
		{vpc: "10.0.0.0/24", bits: 26, count: 5, wantErr: "holds 4 subnets of /26, not 5"},
		{vpc: "10.0.0.0/16", bits: 29, count: 1, wantErr: "must be from /16"},
		{vpc: "10.0.0.0/24", bits: 20, count: 1, wantErr: "must be from /24"},
	}
	for _, tt := range tests {
		t.Run(tt.vpc, func(t *testing.T) {
			got, err := PlanSubnets(netip.MustParsePrefix(tt.vpc), tt.bits, tt.count)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("PlanSubnets: got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("PlanSubnets: got error %v, want none", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("PlanSubnets: got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i].String() != tt.want[i] {
					t.Errorf("subnet %d: got %s, want %s", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestPlanSubnetsProperties checks, over many random VPCs and sizes, that the
// planned subnets have the asked length, lie inside the VPC, do not overlap,
// and that a request fails exactly when the subnets do not fit.
func TestPlanSubnetsProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 7))
	for i := range 5000 {
		vpcBits := MinVPCPrefixLen + rng.IntN(MaxVPCPrefixLen-MinVPCPrefixLen+1)
		addr := netip.AddrFrom4([4]byte{byte(rng.UintN(256)), byte(rng.UintN(256)), byte(rng.UintN(256)), byte(rng.UintN(256))})
		vpc := netip.PrefixFrom(addr, vpcBits).Masked()
		bits := vpcBits + rng.IntN(MaxSubnetPrefix-vpcBits+1)
		count := 1 + rng.IntN(8)
		fits := count <= 1<<(bits-vpcBits)

		got, err := PlanSubnets(vpc, bits, count)
		if !fits {
			if err == nil {
				t.Fatalf("case %d: PlanSubnets(%s, /%d, %d) = %v, want an error: they do not fit", i, vpc, bits, count, got)
			}
			continue
		}
		if err != nil {
			t.Fatalf("case %d: PlanSubnets(%s, /%d, %d): %v, want success", i, vpc, bits, count, err)
		}
		if len(got) != count {
			t.Fatalf("case %d: got %d subnets, want %d", i, len(got), count)
		}
		for j, s := range got {
			if s.Bits() != bits || s.Masked() != s {
				t.Fatalf("case %d: subnet %s is not a /%d network", i, s, bits)
			}
			if !vpc.Contains(s.Addr()) || !vpc.Contains(lastAddr(s)) {
				t.Fatalf("case %d: subnet %s lies outside %s", i, s, vpc)
			}
			for _, o := range got[:j] {
				if o.Overlaps(s) {
					t.Fatalf("case %d: subnets %s and %s overlap", i, o, s)
				}
			}
		}
	}
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := (uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
