package forcenew

import (
	"fmt"
	"reflect"
	"strings"
)

// PulumiPath maps a Terraform attribute path to the Pulumi property path
// pulumi-aws gives it, segment by segment, against the SDK's plain args
// struct t: an explicit rename of the path (renames, from resources.go),
// else the bridge's default, lowerCamelCase, or its plural for a list
// (the bridge pluralizes a list of more than one element). A candidate
// counts only when the SDK has a property of that name at that level, so
// a name is never guessed: no match, or two, is an error.
func PulumiPath(t reflect.Type, tfPath string, renames map[string]string) (string, error) {
	segs := strings.Split(tfPath, ".")
	out := make([]string, 0, len(segs))
	for i, seg := range segs {
		props, err := Properties(t)
		if err != nil {
			return "", fmt.Errorf("%s: %w", tfPath, err)
		}
		var cands []string
		if r, ok := renames[strings.Join(segs[:i+1], ".")]; ok {
			cands = []string{r}
		} else {
			c := camel(seg)
			cands = []string{c, c + "s", c + "es"}
			if y, ok := strings.CutSuffix(c, "y"); ok {
				cands = append(cands, y+"ies")
			}
		}
		var found []string
		for _, c := range cands {
			if _, ok := props[c]; ok {
				found = append(found, c)
			}
		}
		switch len(found) {
		case 0:
			return "", fmt.Errorf("%s: the SDK's %s has no property %s", tfPath, t, strings.Join(cands, " or "))
		case 1:
		default:
			return "", fmt.Errorf("%s: the SDK's %s has both %s: add a rename", tfPath, t, strings.Join(found, " and "))
		}
		out = append(out, found[0])
		t = props[found[0]]
	}
	return strings.Join(out, "."), nil
}

// Properties returns the `pulumi:"..."` properties of a plain SDK type
// (pointers, slices and maps taken to their element) and their types.
func Properties(t reflect.Type) (map[string]reflect.Type, error) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%s is not an object", t)
	}
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("pulumi"), ",")
		if name != "" {
			out[name] = f.Type
		}
	}
	return out, nil
}

// HasProperty reports whether the plain SDK type t has the Pulumi property
// path p (dotted, through objects and lists of objects).
func HasProperty(t reflect.Type, p string) bool {
	for seg := range strings.SplitSeq(p, ".") {
		props, err := Properties(t)
		if err != nil {
			return false
		}
		next, ok := props[seg]
		if !ok {
			return false
		}
		t = next
	}
	return true
}

// camel is the bridge's default name of a Terraform attribute: snake_case
// to lowerCamelCase.
func camel(s string) string {
	parts := strings.Split(s, "_")
	for j := 1; j < len(parts); j++ {
		if parts[j] != "" {
			parts[j] = strings.ToUpper(parts[j][:1]) + parts[j][1:]
		}
	}
	return strings.Join(parts, "")
}
