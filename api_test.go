package fluxly_test

import (
	"errors"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The public API is a promise: every exported name is something a user
// calls or implements. This test counts each public package's exported
// identifiers — package-level constants, variables, functions and types,
// methods of exported types and methods of exported interfaces — and,
// apart, the exported fields of exported struct types (records and model
// data), and fails when a package grows past its limit. Raise a limit
// only for a name users need, and say so in the commit.
var apiLimits = map[string]struct{ idents, fields int }{
	".":          {24, 10},
	"runtime":    {156, 77}, // +10 Secret and its methods; +20 trigger rules, retry policy, resume (see the commit); +2 fields: NodeExecution.Reused, Result.ResumedFrom
	"introspect": {15, 70},
	"docgen":     {22, 7},
	"site":       {6, 10},
	"docscmd":    {4, 0},
	"fluxlytest": {1, 0}, // Golden: the golden-file check users call in their tests
}

// apiTotalLimit bounds the identifiers of all public packages together.
const apiTotalLimit = 228

func TestExportedIdentifiers(t *testing.T) {
	counts := exportedCounts(t)
	total := 0
	var names []string
	for pkg := range counts {
		names = append(names, pkg)
	}
	sort.Strings(names)
	for _, pkg := range names {
		c := counts[pkg]
		total += c.idents
		lim, ok := apiLimits[pkg]
		if !ok {
			t.Errorf("public package %s has no entry in apiLimits (%d identifiers, %d fields): decide its limit, or move it under internal/", pkg, c.idents, c.fields)
			continue
		}
		if c.idents > lim.idents || c.fields > lim.fields {
			t.Errorf("package %s exports %d identifiers and %d fields; the limits are %d and %d:\n  %s",
				pkg, c.idents, c.fields, lim.idents, lim.fields, strings.Join(c.names, " "))
		}
		t.Logf("%-12s %3d identifiers (limit %3d), %3d fields (limit %3d)", pkg, c.idents, lim.idents, c.fields, lim.fields)
	}
	t.Logf("total: %d identifiers (limit %d)", total, apiTotalLimit)
	if total > apiTotalLimit {
		t.Errorf("the public packages export %d identifiers together; the limit is %d", total, apiTotalLimit)
	}
}

type apiCount struct {
	idents, fields int
	names          []string
}

// exportedCounts parses every public package of the module (not internal/,
// examples/, cmd/, bench/, testdata, main packages or tests).
func exportedCounts(t *testing.T) map[string]*apiCount {
	t.Helper()
	out := map[string]*apiCount{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		base := d.Name()
		if path != "." && (strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") ||
			base == "testdata" || base == "internal" || base == "examples" || base == "cmd" || base == "bench" || base == "temporal") {
			return filepath.SkipDir
		}
		bp, err := build.Default.ImportDir(path, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) || (err == nil && bp.Name == "main") {
			return nil
		}
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		c := &apiCount{}
		for _, name := range bp.GoFiles { // non-test files for this platform
			f, err := parser.ParseFile(fset, filepath.Join(path, name), nil, 0)
			if err != nil {
				return err
			}
			countFile(f, c)
		}
		sort.Strings(c.names)
		out[filepath.ToSlash(path)] = c
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func countFile(f *ast.File, c *apiCount) {
	add := func(name string) {
		c.idents++
		c.names = append(c.names, name)
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			if d.Recv == nil {
				add(d.Name.Name)
				continue
			}
			if recv := recvName(d.Recv.List[0].Type); ast.IsExported(recv) {
				add(recv + "." + d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() {
							add(n.Name)
						}
					}
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					add(s.Name.Name)
					switch tt := s.Type.(type) {
					case *ast.StructType:
						for _, fl := range tt.Fields.List {
							for _, n := range fl.Names {
								if n.IsExported() {
									c.fields++
								}
							}
						}
					case *ast.InterfaceType:
						for _, m := range tt.Methods.List {
							for _, n := range m.Names {
								if n.IsExported() {
									add(s.Name.Name + "." + n.Name)
								}
							}
						}
					}
				}
			}
		}
	}
}

// recvName is a method receiver's type name without pointer or type
// parameters.
func recvName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}
