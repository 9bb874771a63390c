package docscmd_test

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRunReportSVG: a binary that links the renderer (docscmd wired in)
// writes the run report's diagram as SVG, creating missing directories, with
// the same status colours as the DOT report.
func TestRunReportSVG(t *testing.T) {
	app := newApp(t)
	dir := t.TempDir()
	// etl reads only inside the working directory: run it in dir.
	data, err := os.ReadFile(filepath.Join("..", "examples", "etl", "testdata", "users-malformed.json"))
	if err != nil {
		t.Fatal(err)
	}
	src := "users-malformed.json"
	if err := os.WriteFile(filepath.Join(dir, src), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	md, svg := filepath.Join(dir, "report.md"), filepath.Join(dir, "diagrams", "run", "report.svg")
	run(t, app, []string{"etl", "--source", src, "--no-verbose", "--auto-generate-md",
		"--md-file-path", md, "--diagram-file-path", svg}).want(t, 64)
	dotPath := filepath.Join(dir, "report.dot")
	run(t, app, []string{"etl", "--source", src, "--no-verbose", "--auto-generate-md",
		"--md-file-path", filepath.Join(dir, "dot.md"), "--diagram-file-path", dotPath}).want(t, 64)

	page, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "](diagrams/run/report.svg)") {
		t.Errorf("the report does not link its SVG:\n%s", page)
	}
	data, err = os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	var root string
	titles := map[string]bool{}
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			if se.Name.Local == "title" {
				if cd, err := dec.Token(); err == nil {
					if c, ok := cd.(xml.CharData); ok {
						titles[string(c)] = true
					}
				}
			}
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q, want svg:\n%.300s", root, data)
	}
	for _, node := range []string{"extract", "transform", "load", "audit"} {
		if !bytes.Contains(data, []byte(`href="#node-`+node+`"`)) || !bytes.Contains(data, []byte(">"+node+"</text>")) {
			t.Errorf("the SVG has no linked node %q", node)
		}
	}
	if !titles["extract → transform\non success: if completed"] {
		t.Errorf("the SVG has no edge extract → transform with its label")
	}
	dot, err := os.ReadFile(dotPath)
	if err != nil {
		t.Fatal(err)
	}
	colours := regexp.MustCompile(`fillcolor="(#[0-9a-fA-F]{6})"`).FindAllStringSubmatch(string(dot), -1)
	if len(colours) == 0 {
		t.Fatalf("the DOT report has no fill colours:\n%s", dot)
	}
	for _, c := range colours {
		if !strings.Contains(strings.ToLower(string(data)), `fill="`+strings.ToLower(c[1])+`"`) {
			t.Errorf("status colour %s of the DOT report is missing from the SVG", c[1])
		}
	}
}
