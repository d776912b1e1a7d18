package cost

import (
	"fmt"
	"slices"
	"strings"
)

// ItemChange is one priced item's fixed monthly cost before and after a
// change.
type ItemChange struct {
	Item           string
	Before, After  float64
	ResourcesAfter []string
}

// Difference returns After - Before, rounded to the cent.
func (c ItemChange) Difference() float64 {
	return float64(toCents(c.After)-toCents(c.Before)) / 100
}

// Compare returns the fixed cost of base and head by item (Price.Item), in
// the price table's order, with the items whose cost differs first.
func Compare(base, head Breakdown) []ItemChange {
	byItem := map[string]*ItemChange{}
	var order []string
	add := func(b Breakdown, after bool) {
		for _, l := range b.Fixed {
			c, ok := byItem[l.Price.Item]
			if !ok {
				c = &ItemChange{Item: l.Price.Item}
				byItem[l.Price.Item] = c
				order = append(order, l.Price.Item)
			}
			if after {
				c.After = float64(toCents(c.After)+toCents(l.Monthly)) / 100
				c.ResourcesAfter = append(c.ResourcesAfter, l.Resources...)
			} else {
				c.Before = float64(toCents(c.Before)+toCents(l.Monthly)) / 100
			}
		}
	}
	add(base, false)
	add(head, true)
	out := make([]ItemChange, 0, len(order))
	for _, item := range order {
		out = append(out, *byItem[item])
	}
	slices.SortStableFunc(out, func(a, b ItemChange) int {
		da, db := a.Difference() != 0, b.Difference() != 0
		switch {
		case da && !db:
			return -1
		case !da && db:
			return 1
		}
		return 0
	})
	return out
}

// CompareText renders Compare's items as a Markdown table with the totals.
func CompareText(base, head Breakdown) string {
	var s strings.Builder
	s.WriteString("| Item | Before | After | Difference |\n|---|---:|---:|---:|\n")
	for _, c := range Compare(base, head) {
		fmt.Fprintf(&s, "| %s | %s | %s | %s |\n", c.Item, Dollars(c.Before), Dollars(c.After), signed(c.Difference()))
	}
	fmt.Fprintf(&s, "| **Total fixed per month** | %s | %s | **%s** |\n", Dollars(base.Total()), Dollars(head.Total()),
		signed(float64(toCents(head.Total())-toCents(base.Total()))/100))
	return s.String()
}

// signed renders a difference with its sign: "+$36.50", "-$1.00", "$0.00".
func signed(usd float64) string {
	switch {
	case usd > 0:
		return "+" + Dollars(usd)
	case usd < 0:
		return "-" + Dollars(-usd)
	}
	return Dollars(0)
}
