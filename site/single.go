package site

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// This file packs a built site into one HTML file: every page becomes a
// <template> that a small router shows by the address's fragment, the
// stylesheet and scripts are inlined (allowed by their hashes in the
// page's Content-Security-Policy, so the policy still forbids any other
// inline script), images become data: URLs, and links to files that are
// not pages (DOT, JSON, …) become text. It opens by double-click, offline.

//go:embed assets/single/router.js
var singleFS embed.FS

// SingleFile packs files, a site [Build] returned, into one
// self-contained HTML document: pages, inline SVG diagrams, search index
// and assets. The same files always give the same bytes.
func SingleFile(files []File) ([]byte, error) {
	byPath := make(map[string][]byte, len(files))
	var pagePaths []string
	for _, f := range files {
		byPath[f.Path] = f.Data
		if strings.HasSuffix(f.Path, ".html") {
			pagePaths = append(pagePaths, f.Path)
		}
	}
	slices.Sort(pagePaths)
	index, ok := byPath["index.html"]
	if !ok {
		return nil, errors.New("site: single file: no index.html among the files")
	}
	pk := &packer{files: byPath, pages: map[string]bool{}}
	for _, p := range pagePaths {
		pk.pages[p] = true
	}
	shell, err := html.Parse(bytes.NewReader(index))
	if err != nil {
		return nil, fmt.Errorf("site: single file: index.html: %w", err)
	}
	header := find(shell, func(n *html.Node) bool { return n.DataAtom == atom.Header })
	sidebar := find(shell, func(n *html.Node) bool { return n.DataAtom == atom.Nav && hasClass(n, "sidebar") })
	footer := find(shell, func(n *html.Node) bool { return n.DataAtom == atom.Footer })
	siteTitle := ""
	if brand := find(shell, func(n *html.Node) bool { return n.DataAtom == atom.A && hasClass(n, "brand") }); brand != nil {
		siteTitle = strings.TrimSpace(textOf(brand))
	}
	if header == nil || sidebar == nil {
		return nil, errors.New("site: single file: index.html is not a page of this site")
	}
	var body bytes.Buffer
	for _, n := range []*html.Node{header} {
		pk.rewrite(n, "index.html")
		_ = html.Render(&body, n)
		body.WriteByte('\n')
	}
	body.WriteString(`<div class="layout">` + "\n")
	pk.rewrite(sidebar, "index.html")
	_ = html.Render(&body, sidebar)
	body.WriteString("\n" + `<main id="content" class="content"></main>` + "\n" + `<div id="toc-slot" class="toc-slot"></div>` + "\n</div>\n")
	if footer != nil {
		pk.rewrite(footer, "index.html")
		_ = html.Render(&body, footer)
		body.WriteByte('\n')
	}
	for _, p := range pagePaths {
		doc, err := html.Parse(bytes.NewReader(byPath[p]))
		if err != nil {
			return nil, fmt.Errorf("site: single file: %s: %w", p, err)
		}
		main := find(doc, func(n *html.Node) bool { return n.DataAtom == atom.Main })
		if main == nil {
			continue
		}
		title := ""
		if t := find(doc, func(n *html.Node) bool { return n.DataAtom == atom.Title }); t != nil {
			title = strings.TrimSpace(strings.TrimSuffix(textOf(t), " · "+siteTitle))
			if title == siteTitle {
				title = ""
			}
		}
		body.WriteString(`<template data-page="` + html.EscapeString(p) + `" data-title="` + html.EscapeString(title) + `">`)
		pk.rewrite(main, p)
		for c := main.FirstChild; c != nil; c = c.NextSibling {
			_ = html.Render(&body, c)
		}
		if toc := find(doc, func(n *html.Node) bool { return n.DataAtom == atom.Nav && hasClass(n, "toc") }); toc != nil {
			pk.rewrite(toc, p)
			_ = html.Render(&body, toc)
		}
		body.WriteString("</template>\n")
	}

	router, err := singleFS.ReadFile("assets/single/router.js")
	if err != nil {
		return nil, err
	}
	css := byPath["assets/site.css"]
	head := [][]byte{byPath["assets/theme.js"]}
	tail := [][]byte{
		[]byte("window.fluxlySingleFile = true;\n"),
		byPath[searchIndexJS],
		byPath["assets/site.js"],
		byPath["assets/graph.js"],
		router,
	}
	var hashes []string
	for _, s := range slices.Concat(head, tail) {
		hashes = append(hashes, "'sha256-"+hash(s)+"'")
	}
	policy := "default-src 'none'; script-src " + strings.Join(hashes, " ") + "; style-src 'sha256-" + hash(css) +
		"'; img-src data:; base-uri 'none'; form-action 'none'"
	var out bytes.Buffer
	out.WriteString("<!DOCTYPE html>\n<html lang=\"en\" data-root=\"\" data-site-title=\"" + html.EscapeString(siteTitle) + "\">\n<head>\n<meta charset=\"utf-8\">\n" +
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
		"<meta http-equiv=\"Content-Security-Policy\" content=\"" + html.EscapeString(policy) + "\">\n" +
		"<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<meta name=\"generator\" content=\"Fluxly\">\n" +
		"<title>" + html.EscapeString(siteTitle) + "</title>\n")
	if icon, ok := byPath["assets/favicon.svg"]; ok {
		out.WriteString(`<link rel="icon" href="` + dataURL("image/svg+xml", icon) + `">` + "\n")
	}
	out.WriteString("<style>")
	out.Write(css)
	out.WriteString("</style>\n")
	for _, s := range head {
		writeScript(&out, s)
	}
	out.WriteString("</head>\n<body>\n")
	out.Write(body.Bytes())
	for _, s := range tail {
		writeScript(&out, s)
	}
	out.WriteString("</body>\n</html>\n")
	return out.Bytes(), nil
}

// writeScript inlines a script; "</script" cannot occur in the site's
// scripts (the index escapes "<"), checked anyway.
func writeScript(out *bytes.Buffer, s []byte) {
	if bytes.Contains(bytes.ToLower(s), []byte("</script")) {
		panic("site: single file: a script contains </script")
	}
	out.WriteString("<script>")
	out.Write(s)
	out.WriteString("</script>\n")
}

func hash(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func dataURL(mime string, data []byte) string {
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data)
}

// packer rewrites one page's links for the single file.
type packer struct {
	files map[string][]byte
	pages map[string]bool
}

// rewrite turns links to pages into routes ("#/workflows/etl.html#x"),
// in-page links into routes of their page, images into data: URLs, and
// links to other files into text.
func (pk *packer) rewrite(n *html.Node, page string) {
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			if c.Type == html.ElementNode && (c.DataAtom == atom.Noscript || (c.DataAtom == atom.Script && hasAttr(c, "src"))) {
				// The single file inlines the scripts (graph.js is set up
				// by the router) and needs script anyway.
				n.RemoveChild(c)
				c = next
				continue
			}
			walk(c)
			c = next
		}
		if n.Type != html.ElementNode {
			return
		}
		switch n.DataAtom {
		case atom.A:
			href, ok := attrOf(n, "href")
			if !ok {
				return
			}
			if route, keep := pk.route(href, page); keep {
				setAttr(n, "href", route)
				removeAttr(n, "download")
			} else {
				// A file that is not a page: its name stays, as text.
				n.DataAtom, n.Data = atom.Span, "span"
				removeAttr(n, "href")
				removeAttr(n, "download")
			}
		case atom.Img:
			src, _ := attrOf(n, "src")
			target := path.Join(path.Dir(page), src)
			data, ok := pk.files[target]
			if !ok || !isRelative(src) {
				removeAttr(n, "src")
				return
			}
			mime := imageTypes[strings.ToLower(path.Ext(target))]
			if path.Ext(target) == ".svg" {
				mime = "image/svg+xml"
			}
			setAttr(n, "src", dataURL(mime, data))
		}
	}
	walk(n)
}

// route returns where a link of page goes in the single file, and false
// for a link to a file that is not a page.
func (pk *packer) route(href, page string) (string, bool) {
	u, err := url.Parse(href)
	if err != nil {
		return "", false
	}
	if u.Scheme != "" || u.Host != "" {
		return href, true // external
	}
	target := page
	if u.Path != "" {
		target = path.Join(path.Dir(page), u.Path)
	}
	if !pk.pages[target] {
		return "", false
	}
	r := "#/" + target
	if u.Fragment != "" {
		r += "#" + u.Fragment
	}
	return r, true
}

func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	if n.Type == html.ElementNode && match(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := find(c, match); f != nil {
			return f
		}
	}
	return nil
}

func hasClass(n *html.Node, class string) bool {
	v, _ := attrOf(n, "class")
	return slices.Contains(strings.Fields(v), class)
}

func attrOf(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasAttr(n *html.Node, key string) bool {
	_, ok := attrOf(n, key)
	return ok
}

func setAttr(n *html.Node, key, val string) {
	for i, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

func removeAttr(n *html.Node, key string) {
	n.Attr = slices.DeleteFunc(n.Attr, func(a html.Attribute) bool { return a.Namespace == "" && a.Key == key })
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}
