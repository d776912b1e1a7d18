package cost

import (
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	base, err := Estimate(planOf(free()...))
	if err != nil {
		t.Fatal(err)
	}
	head, err := Estimate(planOf(append(free(), nat("lab-nat-a"), eip("lab-nat-eip-a"))...))
	if err != nil {
		t.Fatal(err)
	}
	changes := Compare(base, head)
	if len(changes) == 0 || changes[0].Difference() <= 0 {
		t.Fatalf("got %+v, want the NAT gateway's cost first, as an increase", changes)
	}
	var sum float64
	for _, c := range changes {
		sum += c.Difference()
	}
	if want := head.Total() - base.Total(); toCents(sum) != toCents(want) {
		t.Errorf("got differences summing to %.2f, want %.2f", sum, want)
	}
	text := CompareText(base, head)
	if !strings.Contains(text, "+"+Dollars(head.Total()-base.Total())) {
		t.Errorf("got %s, want the total difference with its sign", text)
	}
	if same := Compare(head, head); same[0].Difference() != 0 {
		t.Errorf("got %+v comparing a breakdown with itself, want no difference", same)
	}
}

func TestSigned(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{{36.5, "+$36.50"}, {-1, "-$1.00"}, {0, "$0.00"}} {
		if got := signed(c.in); got != c.want {
			t.Errorf("signed(%v): got %s, want %s", c.in, got, c.want)
		}
	}
}
