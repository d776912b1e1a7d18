// Package upstream reads terraform-provider-aws's Go source as the compiler
// would for what decides replace or update: a resource's schema (keys that
// are string literals, package constants or names.Attr* constants; nested
// blocks written inline, in package variables or returned by functions,
// in this package or another of the provider's), the attributes marked
// ForceNew, and the ForceNew calls of its CustomizeDiff. It parses; it
// does not type-check, and a construct it does not know is an error, never
// a silent omission.
package upstream

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Module is terraform-provider-aws's module path: imports under it are read
// from the tree itself.
const Module = "github.com/hashicorp/terraform-provider-aws"

// Tree is a terraform-provider-aws source tree (the module's root).
type Tree struct {
	fsys fs.FS
	fset *token.FileSet
	pkgs map[string]*pkg
}

// NewTree reads the tree rooted at fsys.
func NewTree(fsys fs.FS) *Tree {
	return &Tree{fsys: fsys, fset: token.NewFileSet(), pkgs: map[string]*pkg{}}
}

// pkg is one parsed package of the tree.
type pkg struct {
	dir    string
	consts map[string]ref
	vars   map[string]ref
	funcs  map[string]*funcRef
	files  []*ast.File
	names  map[*ast.File]string // file -> path in the tree
}

// ref is an expression and where it was written (for imports and lines).
type ref struct {
	p    *pkg
	file *ast.File
	expr ast.Expr
}

type funcRef struct {
	p    *pkg
	file *ast.File
	decl *ast.FuncDecl
}

// load parses the package in dir (non-test files).
func (t *Tree) load(dir string) (*pkg, error) {
	if p, ok := t.pkgs[dir]; ok {
		return p, nil
	}
	entries, err := fs.ReadDir(t.fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read package %s: %w", dir, err)
	}
	p := &pkg{dir: dir, consts: map[string]ref{}, vars: map[string]ref{}, funcs: map[string]*funcRef{},
		names: map[*ast.File]string{}}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		name := path.Join(dir, n)
		src, err := fs.ReadFile(t.fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		f, err := parser.ParseFile(t.fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		p.files = append(p.files, f)
		p.names[f] = name
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					p.funcs[d.Name.Name] = &funcRef{p: p, file: f, decl: d}
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					vs, ok := s.(*ast.ValueSpec)
					if !ok {
						continue
					}
					for i, id := range vs.Names {
						if i >= len(vs.Values) {
							continue
						}
						r := ref{p: p, file: f, expr: vs.Values[i]}
						if d.Tok == token.CONST {
							p.consts[id.Name] = r
						} else if d.Tok == token.VAR {
							p.vars[id.Name] = r
						}
					}
				}
			}
		}
	}
	t.pkgs[dir] = p
	return p, nil
}

// imported returns the package an identifier names in file (an import of
// the provider's own module), or nil for another module's package.
func (t *Tree) imported(p *pkg, file *ast.File, name string) (*pkg, error) {
	for _, im := range file.Imports {
		ipath, err := strconv.Unquote(im.Path.Value)
		if err != nil {
			return nil, err
		}
		local := path.Base(ipath)
		if im.Name != nil {
			local = im.Name.Name
		}
		if local != name {
			continue
		}
		rel, ok := strings.CutPrefix(ipath, Module+"/")
		if !ok {
			return nil, nil
		}
		return t.load(rel)
	}
	return nil, fmt.Errorf("%s: no import named %s", p.names[file], name)
}

// position is "file:line" of a node.
func (t *Tree) position(n ast.Node) (string, int) {
	pos := t.fset.Position(n.Pos())
	return pos.Filename, pos.Line
}

// String evaluates a constant string expression: a literal, a constant of
// the package or of an imported package of the provider, or a sum of them.
func (t *Tree) String(r ref) (string, error) {
	switch e := r.expr.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", t.errorf(e, "not a string: %s", e.Value)
		}
		return strconv.Unquote(e.Value)
	case *ast.ParenExpr:
		return t.String(ref{r.p, r.file, e.X})
	case *ast.Ident:
		c, ok := r.p.consts[e.Name]
		if !ok {
			return "", t.errorf(e, "%s is not a constant of package %s", e.Name, r.p.dir)
		}
		return t.String(c)
	case *ast.SelectorExpr:
		x, ok := e.X.(*ast.Ident)
		if !ok {
			return "", t.errorf(e, "cannot evaluate %s", t.text(e))
		}
		ip, err := t.imported(r.p, r.file, x.Name)
		if err != nil {
			return "", err
		}
		if ip == nil {
			return "", t.errorf(e, "%s is outside the provider's module", t.text(e))
		}
		c, ok := ip.consts[e.Sel.Name]
		if !ok {
			return "", t.errorf(e, "%s is not a constant of package %s", e.Sel.Name, ip.dir)
		}
		return t.String(c)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", t.errorf(e, "cannot evaluate %s", t.text(e))
		}
		a, err := t.String(ref{r.p, r.file, e.X})
		if err != nil {
			return "", err
		}
		b, err := t.String(ref{r.p, r.file, e.Y})
		if err != nil {
			return "", err
		}
		return a + b, nil
	case *ast.CallExpr:
		// string(awstypes.X) and the like: a conversion of a constant.
		if len(e.Args) == 1 {
			if id, ok := e.Fun.(*ast.Ident); ok && id.Name == "string" {
				return t.String(ref{r.p, r.file, e.Args[0]})
			}
		}
	}
	return "", t.errorf(r.expr, "cannot evaluate %s", t.text(r.expr))
}

// value follows an identifier, a call or an address-of to the expression
// it stands for: a package variable, the value a function returns (its
// last return statement, through one local variable), until a composite
// literal or function literal is reached. ok is false for a call into
// another module (such as the plugin SDK).
func (t *Tree) value(r ref) (ref, bool, error) {
	for range 32 {
		switch e := r.expr.(type) {
		case *ast.CompositeLit, *ast.FuncLit:
			return r, true, nil
		case *ast.ParenExpr:
			r.expr = e.X
		case *ast.UnaryExpr:
			if e.Op != token.AND {
				return r, false, t.errorf(e, "cannot evaluate %s", t.text(e))
			}
			r.expr = e.X
		case *ast.Ident:
			v, ok := r.p.vars[e.Name]
			if !ok {
				return r, false, t.errorf(e, "%s is not a variable of package %s", e.Name, r.p.dir)
			}
			r = v
		case *ast.CallExpr:
			ret, ok, err := t.callResult(r, e)
			if err != nil || !ok {
				return r, ok, err
			}
			r = ret
		default:
			return r, false, t.errorf(e, "cannot evaluate %s", t.text(e))
		}
	}
	return r, false, t.errorf(r.expr, "too deep: %s", t.text(r.expr))
}

// callee is the function a call calls, when it is one of the provider's.
func (t *Tree) callee(r ref, call *ast.CallExpr) (*funcRef, bool, error) {
	return t.funcOf(ref{r.p, r.file, call.Fun})
}

// callResult is what call returns: the returned expression (see returned)
// of its callee. ok is false for a call into another module.
func (t *Tree) callResult(r ref, call *ast.CallExpr) (ref, bool, error) {
	f, ok, err := t.callee(r, call)
	if err != nil || !ok {
		return ref{}, ok, err
	}
	ret, err := t.returned(f)
	return ret, err == nil, err
}

// funcOf is the function an expression stands for: a function of the
// package or of an imported package of the provider, a function literal, a
// variable holding one (sync.OnceValue(f) counts as f), or the function a
// call returns. ok is false for a function of another module.
func (t *Tree) funcOf(r ref) (*funcRef, bool, error) {
	for range 16 {
		switch fn := r.expr.(type) {
		case *ast.ParenExpr:
			r.expr = fn.X
			continue
		case *ast.FuncLit:
			return &funcRef{p: r.p, file: r.file, decl: &ast.FuncDecl{Type: fn.Type, Body: fn.Body, Name: ast.NewIdent("func literal")}}, true, nil
		case *ast.Ident:
			if f, ok := r.p.funcs[fn.Name]; ok {
				return f, true, nil
			}
			v, ok := r.p.vars[fn.Name]
			if !ok {
				return nil, false, t.errorf(fn, "%s is not a function of package %s", fn.Name, r.p.dir)
			}
			r = v
			continue
		case *ast.SelectorExpr:
			x, ok := fn.X.(*ast.Ident)
			if !ok {
				return nil, false, t.errorf(fn, "cannot evaluate %s", t.text(fn))
			}
			if x.Name == "sync" {
				return nil, false, t.errorf(fn, "cannot evaluate %s", t.text(fn))
			}
			ip, err := t.imported(r.p, r.file, x.Name)
			if err != nil {
				return nil, false, err
			}
			if ip == nil {
				return nil, false, nil
			}
			if f, ok := ip.funcs[fn.Sel.Name]; ok {
				return f, true, nil
			}
			v, ok := ip.vars[fn.Sel.Name]
			if !ok {
				return nil, false, t.errorf(fn, "%s is not a function of package %s", fn.Sel.Name, ip.dir)
			}
			r = v
			continue
		case *ast.CallExpr:
			if sel, ok := fn.Fun.(*ast.SelectorExpr); ok && len(fn.Args) == 1 {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "sync" && (sel.Sel.Name == "OnceValue" || sel.Sel.Name == "OnceFunc") {
					r.expr = fn.Args[0]
					continue
				}
			}
			ret, ok, err := t.callResult(r, fn)
			if err != nil || !ok {
				return nil, ok, err
			}
			r = ret
			continue
		}
		return nil, false, t.errorf(r.expr, "cannot evaluate %s as a function", t.text(r.expr))
	}
	return nil, false, t.errorf(r.expr, "too deep: %s", t.text(r.expr))
}

// returned is what a function returns: the expression of its last return
// statement, or, when that is a local variable, the value assigned to it.
func (t *Tree) returned(f *funcRef) (ref, error) {
	return t.returnedBody(f.p, f.file, f.decl.Body, f.decl.Name.Name)
}

func (t *Tree) returnedBody(p *pkg, file *ast.File, body *ast.BlockStmt, name string) (ref, error) {
	if body == nil || len(body.List) == 0 {
		return ref{}, fmt.Errorf("%s: function %s has no body", p.dir, name)
	}
	ret, ok := body.List[len(body.List)-1].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return ref{}, t.errorf(body, "function %s does not end in one return value", name)
	}
	res := ret.Results[0]
	if id, ok := res.(*ast.Ident); ok {
		for _, s := range body.List {
			as, ok := s.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
				continue
			}
			if lid, ok := as.Lhs[0].(*ast.Ident); ok && lid.Name == id.Name {
				return ref{p, file, as.Rhs[0]}, nil
			}
		}
		if _, ok := p.vars[id.Name]; ok {
			return ref{p, file, res}, nil
		}
		return ref{}, t.errorf(res, "function %s returns %s, assigned nowhere it can see", name, id.Name)
	}
	return ref{p, file, res}, nil
}

func (t *Tree) errorf(n ast.Node, format string, args ...any) error {
	file, line := t.position(n)
	return fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...))
}

// fields returns a composite literal's keyed elements by key name.
func fields(lit *ast.CompositeLit) map[string]ast.Expr {
	out := map[string]ast.Expr{}
	for _, e := range lit.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok {
				out[id.Name] = kv.Value
			}
		}
	}
	return out
}
