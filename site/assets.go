package site

import (
	"embed"
	"io/fs"
	"path"
)

// assets are the site's static files, embedded so a binary builds the
// whole site with no file next to it.
//
//go:embed assets/site.css assets/site.js assets/graph.js assets/theme.js assets/favicon.svg
var assets embed.FS

// assetFiles returns the embedded assets under assets/, sorted by path.
func assetFiles() []File {
	var out []File
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, File{Path: path.Clean(p), Data: data})
		return nil
	})
	if err != nil {
		panic("site: embedded assets: " + err.Error()) // part of the binary
	}
	return out
}
