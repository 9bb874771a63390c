package describe

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"reflect"
	"strings"
)

// comments finds doc comments of types and struct fields in Go sources the
// app embeds (//go:embed *.go): a deployed binary has no source tree, so the
// sources travel with it and descriptions stay the same everywhere.
type comments struct {
	// by "pkgname.Type" and "pkgname.Type.Field"
	text map[string]string
}

func newComments() *comments { return &comments{text: map[string]string{}} }

// add parses every non-test .go file at the root of fsys.
func (c *comments) add(fsys fs.FS) error {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return err
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path.Join(".", name), src, parser.ParseComments)
		if err != nil {
			return err
		}
		c.file(f)
	}
	return nil
}

func (c *comments) file(f *ast.File) {
	pkg := f.Name.Name
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			doc := ts.Doc
			if doc == nil && len(gd.Specs) == 1 {
				doc = gd.Doc
			}
			key := pkg + "." + ts.Name.Name
			if t := clean(doc); t != "" {
				c.text[key] = t
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			for _, fld := range st.Fields.List {
				t := clean(fld.Doc)
				if t == "" {
					t = clean(fld.Comment)
				}
				if t == "" {
					continue
				}
				for _, n := range fld.Names {
					c.text[key+"."+n.Name] = t
				}
			}
		}
	}
}

func clean(g *ast.CommentGroup) string {
	if g == nil {
		return ""
	}
	return strings.Join(strings.Fields(g.Text()), " ")
}

// lookup returns the comment of type t (field "") or of its field, keyed by
// the package name reflect reports ("echomsg.Input").
func (c *comments) lookup(t reflect.Type, field string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	key := t.String()
	if field != "" {
		key += "." + field
	}
	return c.text[key]
}
