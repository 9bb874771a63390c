package site

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// This file adds the user's own content: Markdown pages and their images,
// and the logo.

// PagesDir is where the user's pages go in the built site.
const pagesDir = "pages"

// imageTypes are the raster images a page or the logo may be, by
// extension, with the type their bytes must sniff as.
var imageTypes = map[string]string{
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".webp": "image/webp",
}

// addUserPages adds every Markdown file of fsys as a page under pages/,
// and every image as a file beside it (SVGs cleaned like diagrams). Other
// files are left out; hidden files and directories are skipped.
func (b *builder) addUserPages(fsys fs.FS) error {
	var errs []error
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if !safePath(p) {
			errs = append(errs, fmt.Errorf("site: page %q: use lowercase-friendly names without spaces, quotes or '#', '?', '%%'", p))
			return nil
		}
		ext := strings.ToLower(path.Ext(p))
		if ext != ".md" && ext != ".svg" && imageTypes[ext] == "" {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		target := pagesDir + "/" + p
		switch ext {
		case ".md":
			title := firstHeading(data)
			if title == "" {
				title = strings.TrimSuffix(path.Base(p), path.Ext(p))
			}
			b.mdSrc[target] = true
			b.pages = append(b.pages, &page{out: htmlPath(target), md: target, src: data, title: title, kind: guidePage})
		default:
			img, err := cleanImage(target, data)
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			b.extra = append(b.extra, File{Path: target, Data: img})
		}
		return nil
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("site: reading the pages: %w", err))
	}
	return errors.Join(errs...)
}

// safePath reports a relative path that is safe as a file name and a URL
// without escaping.
func safePath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || path.Clean(p) != p || strings.HasPrefix(p, "../") {
		return false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./", r)) {
			return false
		}
	}
	return true
}

// cleanImage checks a raster image's bytes against its extension, and
// rebuilds an SVG from the diagrams' allow-list (no script, no links).
func cleanImage(name string, data []byte) ([]byte, error) {
	ext := strings.ToLower(path.Ext(name))
	if ext == ".svg" {
		svg, err := standaloneSVG(data, func(string) string { return "" })
		if err != nil {
			return nil, fmt.Errorf("site: image %s: %w", name, err)
		}
		return svg, nil
	}
	want, ok := imageTypes[ext]
	if !ok {
		return nil, fmt.Errorf("site: image %s: use .svg, .png, .jpg, .gif or .webp", name)
	}
	if got := http.DetectContentType(data); got != want {
		return nil, fmt.Errorf("site: image %s holds %s, not %s", name, got, want)
	}
	return data, nil
}

// addLogo adds the logo as assets/logo.<ext>.
func (b *builder) addLogo(logo File) error {
	ext := strings.ToLower(path.Ext(logo.Path))
	if ext == ".jpeg" {
		ext = ".jpg"
	}
	img, err := cleanImage("logo"+ext, logo.Data)
	if err != nil {
		return err
	}
	b.logo = "assets/logo" + ext
	b.extra = append(b.extra, File{Path: b.logo, Data: img})
	return nil
}
