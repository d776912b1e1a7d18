package upstream

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/printer"
	"regexp"
	"slices"
	"strings"
)

// Resource is what one Terraform resource's source says about replace and
// update.
type Resource struct {
	Terraform string
	File      string
	// Attributes are the schema's attributes, nested ones by path
	// ("local_secondary_index.range_key"), sorted by path.
	Attributes []Attribute
	// Conditional are the ForceNew calls of its CustomizeDiff, in source
	// order.
	Conditional []Conditional
}

// Attribute is one schema attribute.
type Attribute struct {
	Path string
	File string
	Line int
	// Settable is Optional or Required: the configuration can set it.
	Settable bool
	ForceNew bool
	// List is TypeList or TypeSet; MaxItemsOne says MaxItems is 1.
	List        bool
	MaxItemsOne bool
	// Block says its Elem is a nested resource (attributes below it).
	Block bool
}

// Conditional is a replacement CustomizeDiff decides: a ForceNew call
// (ResourceDiff.ForceNew, customdiff.ForceNewIf, customdiff.ForceNewIfChange)
// on Path, under Condition (the source of the enclosing conditions or of
// the deciding function, condensed to one line).
type Conditional struct {
	Path      string
	File      string
	Line      int
	Call      string
	Condition string
}

// Attribute returns the attribute at path.
func (r *Resource) Attribute(path string) (Attribute, bool) {
	i := slices.IndexFunc(r.Attributes, func(a Attribute) bool { return a.Path == path })
	if i < 0 {
		return Attribute{}, false
	}
	return r.Attributes[i], true
}

// Resource reads the resource registered as terraform (its
// `@SDKResource("aws_x")` annotation) in file.
func (t *Tree) Resource(terraform, file string) (*Resource, error) {
	dir := file[:strings.LastIndex(file, "/")]
	p, err := t.load(dir)
	if err != nil {
		return nil, err
	}
	marker := `@SDKResource("` + terraform + `"`
	var fn *funcRef
	for _, f := range p.funcs {
		if p.names[f.file] != file || f.decl.Doc == nil {
			continue
		}
		if strings.Contains(f.decl.Doc.Text(), marker) {
			fn = f
		}
	}
	if fn == nil {
		for _, f := range p.files {
			if p.names[f] == file && strings.Contains(commentText(f), `@FrameworkResource("`+terraform+`"`) {
				return nil, fmt.Errorf("%s: %s is a Plugin Framework resource, which this reader does not read", file, terraform)
			}
		}
		return nil, fmt.Errorf("%s: no function annotated %s)", file, marker)
	}
	ret, err := t.returned(fn)
	if err != nil {
		return nil, err
	}
	res, ok, err := t.value(ret)
	if err != nil {
		return nil, err
	}
	lit, isLit := res.expr.(*ast.CompositeLit)
	if !ok || !isLit {
		return nil, t.errorf(ret.expr, "%s: not a schema.Resource literal", terraform)
	}
	out := &Resource{Terraform: terraform, File: file}
	fs := fields(lit)
	if err := t.walkResource(res, lit, "", out); err != nil {
		return nil, fmt.Errorf("%s: %w", terraform, err)
	}
	slices.SortFunc(out.Attributes, func(a, b Attribute) int { return strings.Compare(a.Path, b.Path) })
	if cd, ok := fs["CustomizeDiff"]; ok {
		c := &diffScan{t: t, seen: map[*ast.FuncDecl]bool{}}
		if err := c.expr(ref{res.p, res.file, cd}, nil); err != nil {
			return nil, fmt.Errorf("%s CustomizeDiff: %w", terraform, err)
		}
		out.Conditional = c.out
	}
	return out, nil
}

func commentText(f *ast.File) string {
	var b strings.Builder
	for _, g := range f.Comments {
		b.WriteString(g.Text())
	}
	return b.String()
}

// walkResource reads a schema.Resource literal's schema (Schema or
// SchemaFunc) under prefix.
func (t *Tree) walkResource(r ref, lit *ast.CompositeLit, prefix string, out *Resource) error {
	fs := fields(lit)
	var m ast.Expr
	switch {
	case fs["Schema"] != nil:
		m = fs["Schema"]
	case fs["SchemaFunc"] != nil:
		m = fs["SchemaFunc"]
	default:
		return t.errorf(lit, "a schema.Resource without Schema or SchemaFunc")
	}
	v, ok, err := t.value(ref{r.p, r.file, m})
	if err != nil {
		return err
	}
	if !ok {
		return t.errorf(m, "cannot read the schema %s", t.text(m))
	}
	if fl, isFunc := v.expr.(*ast.FuncLit); isFunc {
		ret, err := t.returnedBody(v.p, v.file, fl.Body, "SchemaFunc")
		if err != nil {
			return err
		}
		if v, ok, err = t.value(ret); err != nil {
			return err
		} else if !ok {
			return t.errorf(fl, "cannot read the schema")
		}
	}
	ml, isLit := v.expr.(*ast.CompositeLit)
	if !isLit {
		return t.errorf(v.expr, "not a schema map: %s", t.text(v.expr))
	}
	if _, isMap := ml.Type.(*ast.MapType); !isMap {
		return t.errorf(ml, "not a schema map: %s", t.text(ml.Type))
	}
	return t.walkMap(v, ml, prefix, out)
}

// walkMap reads a map[string]*schema.Schema literal under prefix.
func (t *Tree) walkMap(r ref, lit *ast.CompositeLit, prefix string, out *Resource) error {
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			return t.errorf(e, "a schema map element without a key")
		}
		key, err := t.String(ref{r.p, r.file, kv.Key})
		if err != nil {
			return err
		}
		if err := t.walkAttribute(ref{r.p, r.file, kv.Value}, prefix+key, kv.Key, out); err != nil {
			return err
		}
	}
	return nil
}

// walkAttribute reads one attribute's schema.Schema (and its block).
func (t *Tree) walkAttribute(r ref, path string, key ast.Node, out *Resource) error {
	v, ok, err := t.value(r)
	if err != nil {
		return err
	}
	lit, isLit := v.expr.(*ast.CompositeLit)
	if !ok || !isLit {
		return t.errorf(r.expr, "%s: cannot read its schema %s", path, t.text(r.expr))
	}
	fs := fields(lit)
	file, line := t.position(key)
	a := Attribute{Path: path, File: file, Line: line,
		Settable: isTrue(fs["Optional"]) || isTrue(fs["Required"]),
		ForceNew: isTrue(fs["ForceNew"])}
	if ty, ok := fs["Type"].(*ast.SelectorExpr); ok {
		a.List = ty.Sel.Name == "TypeList" || ty.Sel.Name == "TypeSet"
	}
	if mi, ok := fs["MaxItems"].(*ast.BasicLit); ok {
		a.MaxItemsOne = mi.Value == "1"
	}
	for _, name := range []string{"ForceNew", "Optional", "Required"} {
		if x, ok := fs[name]; ok && !isTrue(x) && !isFalse(x) {
			return t.errorf(x, "%s: %s is %s, not a literal", path, name, t.text(x))
		}
	}
	if elem, ok := fs["Elem"]; ok {
		ev, ok, err := t.value(ref{v.p, v.file, elem})
		if err != nil {
			return err
		}
		el, isLit := ev.expr.(*ast.CompositeLit)
		if !ok || !isLit {
			return t.errorf(elem, "%s: cannot read its Elem %s", path, t.text(elem))
		}
		if isResourceType(el.Type) || hasSchemaField(el) {
			a.Block = true
			if err := t.walkResource(ev, el, path+".", out); err != nil {
				return err
			}
		}
	}
	out.Attributes = append(out.Attributes, a)
	return nil
}

// isResourceType reports whether t is schema.Resource.
func isResourceType(t ast.Expr) bool {
	sel, ok := t.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Resource"
}

// hasSchemaField reports whether an untyped literal is a schema.Resource
// (it sets Schema or SchemaFunc).
func hasSchemaField(lit *ast.CompositeLit) bool {
	fs := fields(lit)
	return lit.Type == nil && (fs["Schema"] != nil || fs["SchemaFunc"] != nil)
}

func isTrue(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "true"
}

func isFalse(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "false"
}

// text prints a node on one line.
func (t *Tree) text(n ast.Node) string {
	var b bytes.Buffer
	if err := printer.Fprint(&b, t.fset, n); err != nil {
		return fmt.Sprintf("%T", n)
	}
	return oneLine(b.String())
}

var spaces = regexp.MustCompile(`\s+`)

// oneLine condenses printed source to one line without comments.
func oneLine(s string) string {
	var lines []string
	for l := range strings.Lines(s) {
		if i := strings.Index(l, "//"); i >= 0 {
			l = l[:i]
		}
		lines = append(lines, l)
	}
	return strings.TrimSpace(spaces.ReplaceAllString(strings.Join(lines, " "), " "))
}

// diffScan collects the ForceNew calls of a CustomizeDiff.
type diffScan struct {
	t    *Tree
	seen map[*ast.FuncDecl]bool
	out  []Conditional
}

// expr scans a CustomizeDiff expression: a function, a function literal,
// or a call combining them (customdiff.All, Sequence, If..., ForceNewIf...).
func (c *diffScan) expr(r ref, conds []string) error {
	switch e := r.expr.(type) {
	case *ast.Ident, *ast.SelectorExpr:
		f, ok, err := c.t.funcOf(r)
		if err != nil {
			return err
		}
		if !ok {
			return c.t.errorf(e, "%s is outside the provider's module", c.t.text(e))
		}
		return c.fn(f, conds)
	case *ast.FuncLit:
		return c.block(r.p, r.file, e.Body, conds)
	case *ast.CallExpr:
		return c.call(r, e, conds)
	}
	return c.t.errorf(r.expr, "cannot read %s", c.t.text(r.expr))
}

func (c *diffScan) fn(f *funcRef, conds []string) error {
	if c.seen[f.decl] {
		return nil
	}
	c.seen[f.decl] = true
	return c.block(f.p, f.file, f.decl.Body, conds)
}

// call handles a call in a CustomizeDiff expression or body.
func (c *diffScan) call(r ref, e *ast.CallExpr, conds []string) error {
	name := ""
	switch fn := e.Fun.(type) {
	case *ast.SelectorExpr:
		name = fn.Sel.Name
		if x, ok := fn.X.(*ast.Ident); ok && x.Name == "customdiff" {
			name = "customdiff." + name
		}
	case *ast.Ident:
		name = fn.Name
	}
	switch name {
	case "customdiff.ForceNewIf", "customdiff.ForceNewIfChange":
		if len(e.Args) != 2 {
			return c.t.errorf(e, "%s with %d arguments", name, len(e.Args))
		}
		return c.record(r, e, e.Args[0], name, append(slices.Clone(conds), c.condition(e.Args[1])))
	case "ForceNew":
		// ResourceDiff.ForceNew(key)
		if len(e.Args) != 1 {
			return c.t.errorf(e, "ForceNew with %d arguments", len(e.Args))
		}
		return c.record(r, e, e.Args[0], "ResourceDiff.ForceNew", conds)
	case "customdiff.All", "customdiff.Sequence":
		for _, a := range e.Args {
			if err := c.expr(ref{r.p, r.file, a}, conds); err != nil {
				return err
			}
		}
		return nil
	case "customdiff.If", "customdiff.IfValue", "customdiff.IfValueChange":
		if len(e.Args) != 2 {
			return c.t.errorf(e, "%s with %d arguments", name, len(e.Args))
		}
		return c.expr(ref{r.p, r.file, e.Args[1]}, append(slices.Clone(conds), c.condition(e.Args[0])))
	}
	// Any other call: follow it when it is a function of the provider
	// that takes the diff (a helper), else look into its function
	// literal arguments.
	switch e.Fun.(type) {
	case *ast.Ident, *ast.SelectorExpr:
		// A method call or a call into another module is no helper.
		if f, ok, err := c.t.funcOf(ref{r.p, r.file, e.Fun}); err == nil && ok && takesResourceDiff(f.decl) {
			if err := c.fn(f, conds); err != nil {
				return err
			}
		}
	}
	for _, a := range e.Args {
		if fl, ok := a.(*ast.FuncLit); ok {
			if err := c.block(r.p, r.file, fl.Body, conds); err != nil {
				return err
			}
		}
	}
	return nil
}

// takesResourceDiff reports whether a function has a *schema.ResourceDiff
// parameter.
func takesResourceDiff(d *ast.FuncDecl) bool {
	for _, f := range d.Type.Params.List {
		if st, ok := f.Type.(*ast.StarExpr); ok {
			if sel, ok := st.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "ResourceDiff" {
				return true
			}
		}
	}
	return false
}

// block scans statements, carrying the conditions of enclosing ifs.
func (c *diffScan) block(p *pkg, file *ast.File, b *ast.BlockStmt, conds []string) error {
	if b == nil {
		return nil
	}
	var err error
	var walk func(n ast.Node, conds []string) bool
	walk = func(n ast.Node, conds []string) bool {
		if err != nil {
			return false
		}
		switch n := n.(type) {
		case *ast.IfStmt:
			cond := c.t.text(n.Cond)
			if n.Init != nil {
				cond = c.t.text(n.Init) + "; " + cond
			}
			if n.Init != nil {
				ast.Inspect(n.Init, func(m ast.Node) bool { return walk(m, conds) })
			}
			ast.Inspect(n.Cond, func(m ast.Node) bool { return walk(m, conds) })
			inner := append(slices.Clone(conds), cond)
			ast.Inspect(n.Body, func(m ast.Node) bool { return walk(m, inner) })
			if n.Else != nil {
				other := append(slices.Clone(conds), "!("+cond+")")
				ast.Inspect(n.Else, func(m ast.Node) bool { return walk(m, other) })
			}
			return false
		case *ast.FuncLit:
			err = c.block(p, file, n.Body, conds)
			return false
		case *ast.CallExpr:
			if e := c.call(ref{p, file, n}, n, conds); e != nil {
				err = e
				return false
			}
			// call already looked into function literal arguments.
			for _, a := range n.Args {
				if _, ok := a.(*ast.FuncLit); !ok {
					ast.Inspect(a, func(m ast.Node) bool { return walk(m, conds) })
				}
			}
			return false
		}
		return true
	}
	for _, s := range b.List {
		ast.Inspect(s, func(n ast.Node) bool { return walk(n, conds) })
		if err != nil {
			return err
		}
	}
	return nil
}

// condition condenses a deciding function (or expression) to one line:
// a function literal whose body is one return statement is its result.
func (c *diffScan) condition(e ast.Expr) string {
	if fl, ok := e.(*ast.FuncLit); ok && len(fl.Body.List) == 1 {
		if ret, ok := fl.Body.List[0].(*ast.ReturnStmt); ok && len(ret.Results) == 1 {
			return c.t.text(ret.Results[0])
		}
	}
	return c.t.text(e)
}

// record adds a ForceNew call on key.
func (c *diffScan) record(r ref, call *ast.CallExpr, key ast.Expr, how string, conds []string) error {
	k, err := c.t.String(ref{r.p, r.file, key})
	if err != nil {
		return err
	}
	file, line := c.t.position(call)
	parts := make([]string, len(conds))
	for i, c := range conds {
		parts[i] = c
		if len(conds) > 1 && strings.Contains(c, "||") {
			parts[i] = "(" + c + ")"
		}
	}
	c.out = append(c.out, Conditional{Path: AttributePath(k), File: file, Line: line, Call: how,
		Condition: strings.Join(parts, " && ")})
	return nil
}

// AttributePath drops the list indexes of a Terraform key
// ("warm_throughput.0.read_units_per_second" → "warm_throughput.read_units_per_second").
func AttributePath(key string) string {
	var segs []string
	for s := range strings.SplitSeq(key, ".") {
		if s != "" && strings.Trim(s, "0123456789") != "" {
			segs = append(segs, s)
		}
	}
	return strings.Join(segs, ".")
}
