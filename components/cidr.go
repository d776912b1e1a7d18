package components

import (
	"fmt"
	"net/netip"
)

// VPC and subnet prefix limits AWS accepts for IPv4.
const (
	MinVPCPrefixLen = 16
	MaxVPCPrefixLen = 28
	MaxSubnetPrefix = 28
)

// ParseVPCCIDR parses an IPv4 network in CIDR form that AWS accepts as a VPC
// CIDR block (/16 to /28) and that is written as its network address.
func ParseVPCCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not an IPv4 CIDR block like 10.0.0.0/16")
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("not IPv4: the lab's VPC is IPv4")
	}
	if p.Bits() < MinVPCPrefixLen || p.Bits() > MaxVPCPrefixLen {
		return netip.Prefix{}, fmt.Errorf("prefix /%d is outside /%d to /%d", p.Bits(), MinVPCPrefixLen, MaxVPCPrefixLen)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("host bits are set: did you mean %s?", p.Masked())
	}
	return p, nil
}

// PlanSubnets splits vpc into count consecutive subnets of length bits,
// starting at the VPC's first address. It fails when they do not fit.
func PlanSubnets(vpc netip.Prefix, bits, count int) ([]netip.Prefix, error) {
	if !vpc.Addr().Is4() || vpc.Masked() != vpc {
		return nil, fmt.Errorf("vpc %s is not an IPv4 network address", vpc)
	}
	if bits < vpc.Bits() || bits > MaxSubnetPrefix {
		return nil, fmt.Errorf("subnet prefix /%d must be from /%d (the VPC's) to /%d", bits, vpc.Bits(), MaxSubnetPrefix)
	}
	if count < 0 {
		return nil, fmt.Errorf("subnet count %d is negative", count)
	}
	if avail := uint64(1) << (bits - vpc.Bits()); uint64(count) > avail {
		return nil, fmt.Errorf("%s holds %d subnets of /%d, not %d", vpc, avail, bits, count)
	}
	base := vpc.Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	size := uint32(1) << (32 - bits)
	out := make([]netip.Prefix, count)
	for i := range out {
		a := start + uint32(i)*size
		addr := netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
		out[i] = netip.PrefixFrom(addr, bits)
	}
	return out, nil
}
