package site

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"io"
	"strconv"

	"github.com/yuin/goldmark"

	"github.com/fluxly-go/fluxly/docgen"
)

// This file keeps built pages across builds. A renderer passed to Build
// that also implements pageStore (docscmd's does, beside its SVG cache)
// gets every page but the user's own stored under the page's path, with
// the hash of everything the page is made from; the next build reuses a
// page whose hash is the same instead of rendering its Markdown, cleaning
// its diagram and laying it out again. Only the user's pages are always
// built: their links are checked against the whole build. The search
// index is kept the same way (see searchIndexFiles).
//
// A page's key covers: the code that builds it (the store's salt: docscmd
// gives the executable's build ID, so templates, assets and the site's
// rules are in it), the page's path, kind and title, its Markdown or
// generated body, for a workflow's page the workflow's model and the SVG
// of its diagram, and what every page shows or links to: the site's title,
// logo, header links, footer and base URL, the navigation (every page's
// path, title and kind, every workflow's endpoint, name and description)
// and every path of the build. An entry is checked whole (format, key,
// checksum) before it is used, so a corrupted, truncated or foreign entry
// is a miss; the output is byte for byte what a build without the store
// gives.

// pageStore keeps built pages by their path in the site. Implementations
// must be safe for concurrent use; a failed store is not an error of the
// build (the page was built).
type pageStore interface {
	// SitePageSalt names the code that builds the pages; "" keeps the
	// store unused.
	SitePageSalt() string
	// LoadSitePage returns the entry last stored for page, if any; the
	// caller keeps the slice.
	LoadSitePage(page string) ([]byte, bool)
	// StoreSitePage replaces page's entry.
	StoreSitePage(page string, entry []byte) error
}

// pageEntryMagic starts every entry; its last byte is the format's
// version.
const pageEntryMagic = "fluxly-site-page\x00\x01"

// pageCache is a build's use of a pageStore.
type pageCache struct {
	store pageStore
	site  [sha256.Size]byte // the hash of what every page depends on
}

// newPageCache returns the page cache of b's build with r's store, or nil
// when r has none.
func (b *builder) newPageCache(r docgen.Renderer) *pageCache {
	store, ok := r.(pageStore)
	if !ok {
		return nil
	}
	salt := store.SitePageSalt()
	if salt == "" {
		return nil
	}
	h := sha256.New()
	w := keyWriter{h}
	w.str(pageEntryMagic)
	w.str(salt)
	w.str(b.o.title())
	w.bytes(b.footer)
	w.str(b.baseURL())
	w.str(b.logo)
	w.int(len(b.links))
	for _, l := range b.links {
		w.str(l.Text)
		w.str(l.URL)
	}
	w.int(len(b.pages))
	for _, p := range b.pages {
		w.str(p.out)
		w.str(p.title)
		w.int(int(p.kind))
	}
	w.int(len(b.m.Workflows))
	for _, x := range b.m.Workflows {
		w.str(x.Endpoint)
		w.str(navTitle(x))
	}
	for _, set := range []map[string]bool{b.paths, b.mdSrc} {
		keys := sortedKeys(set)
		w.int(len(keys))
		for _, k := range keys {
			w.str(k)
			w.bool(set[k])
		}
	}
	c := &pageCache{store: store}
	h.Sum(c.site[:0])
	return c
}

// key is the hash of everything page p is made from.
func (c *pageCache) key(b *builder, p *page) ([sha256.Size]byte, error) {
	h := sha256.New()
	w := keyWriter{h}
	w.bytes(c.site[:])
	w.str(p.out)
	w.str(p.md)
	w.str(p.title)
	w.int(int(p.kind))
	w.bool(p.src != nil)
	w.bytes(p.src)
	w.bytes(p.body)
	w.int(len(p.toc))
	for _, t := range p.toc {
		w.str(t.ID)
		w.str(t.Text)
		w.int(t.Level)
	}
	w.bool(p.w != nil)
	if p.w != nil {
		model, err := json.Marshal(p.w)
		if err != nil {
			return [sha256.Size]byte{}, err
		}
		w.bytes(model)
		w.bytes(p.w.Schema) // not in the model's JSON
		svg, ok := b.src[docgen.DiagramsDir+"/"+p.w.Endpoint+".svg"]
		w.bool(ok)
		w.bytes(svg)
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k, nil
}

// cachedPage is b.page(md, p) through the cache: the stored files when
// p's entry has p's key, else the page built and stored. The user's pages
// are always built.
func (b *builder) cachedPage(md goldmark.Markdown, p *page) ([]File, error) {
	c := b.cache
	if c == nil || p.kind == guidePage {
		return b.page(md, p)
	}
	key, err := c.key(b, p)
	if err != nil {
		return b.page(md, p)
	}
	if data, ok := c.store.LoadSitePage(p.out); ok {
		if files, toc, ok := decodePageEntry(data, key); ok {
			if p.src != nil {
				p.toc = toc // as b.page sets it
			}
			return files, nil
		}
	}
	files, err := b.page(md, p)
	if err != nil {
		return nil, err
	}
	_ = c.store.StoreSitePage(p.out, encodePageEntry(key, files, p.toc)) // a page not kept is built next time
	return files, nil
}

// searchIndexFiles returns the search index as JSON and as a script:
// from the cache when what it is made from is unchanged (the model, the
// user's pages and their sections, the API, and what every page depends
// on), else built and stored, under its JSON's path.
func (b *builder) searchIndexFiles() []File {
	build := func() []File {
		idx := newSearchIndex(b)
		return []File{{Path: searchIndexJSON, Data: idx.json()}, {Path: searchIndexJS, Data: idx.script()}}
	}
	c := b.cache
	if c == nil {
		return build()
	}
	h := sha256.New()
	w := keyWriter{h}
	w.bytes(c.site[:])
	w.str(searchIndexJSON)
	w.bytes(b.src["model.json"])
	for _, p := range b.pages {
		if p.kind == guidePage {
			w.str(p.out)
			w.str(p.title)
			w.bytes(p.src)
			w.int(len(p.toc))
			for _, t := range p.toc {
				w.str(t.ID)
				w.str(t.Text)
				w.int(t.Level)
			}
		}
	}
	w.bytes(b.o.OpenAPI)
	var key [sha256.Size]byte
	h.Sum(key[:0])
	if data, ok := c.store.LoadSitePage(searchIndexJSON); ok {
		if files, _, ok := decodePageEntry(data, key); ok && len(files) == 2 &&
			files[0].Path == searchIndexJSON && files[1].Path == searchIndexJS {
			return files
		}
	}
	files := build()
	_ = c.store.StoreSitePage(searchIndexJSON, encodePageEntry(key, files, nil))
	return files
}

// encodePageEntry is an entry: the magic, the key, the files and the table
// of contents, each string and byte slice length-prefixed, then the
// SHA-256 of all that.
func encodePageEntry(key [sha256.Size]byte, files []File, toc []tocEntry) []byte {
	n := len(pageEntryMagic) + len(key) + 2*sha256.Size
	for _, f := range files {
		n += len(f.Path) + len(f.Data) + 2*binary.MaxVarintLen64
	}
	for _, t := range toc {
		n += len(t.ID) + len(t.Text) + 3*binary.MaxVarintLen64
	}
	e := make([]byte, 0, n)
	e = append(e, pageEntryMagic...)
	e = append(e, key[:]...)
	e = binary.AppendUvarint(e, uint64(len(files)))
	for _, f := range files {
		e = appendField(e, []byte(f.Path))
		e = appendField(e, f.Data)
	}
	e = binary.AppendUvarint(e, uint64(len(toc)))
	for _, t := range toc {
		e = appendField(e, []byte(t.ID))
		e = appendField(e, []byte(t.Text))
		e = binary.AppendUvarint(e, uint64(t.Level))
	}
	sum := sha256.Sum256(e)
	return append(e, sum[:]...)
}

func appendField(e, data []byte) []byte {
	return append(binary.AppendUvarint(e, uint64(len(data))), data...)
}

// decodePageEntry returns the files and table of contents of an entry, or
// false when it is not a whole entry of this format with this key.
func decodePageEntry(e []byte, key [sha256.Size]byte) ([]File, []tocEntry, bool) {
	if len(e) < len(pageEntryMagic)+len(key)+sha256.Size {
		return nil, nil, false
	}
	body, sum := e[:len(e)-sha256.Size], e[len(e)-sha256.Size:]
	if want := sha256.Sum256(body); !bytes.Equal(sum, want[:]) {
		return nil, nil, false
	}
	r := entryReader{b: body}
	if string(r.take(len(pageEntryMagic))) != pageEntryMagic || !bytes.Equal(r.take(len(key)), key[:]) {
		return nil, nil, false
	}
	nfiles := r.count()
	files := make([]File, 0, min(nfiles, 16))
	for range nfiles {
		p, data := r.field(), r.field()
		if r.bad {
			return nil, nil, false
		}
		files = append(files, File{Path: string(p), Data: data}) // the entry is ours
	}
	ntoc := r.count()
	var toc []tocEntry
	for range ntoc {
		id, text, level := r.field(), r.field(), r.small()
		if r.bad {
			return nil, nil, false
		}
		toc = append(toc, tocEntry{ID: string(id), Text: string(text), Level: level})
	}
	if r.bad || len(r.b) != 0 || len(files) == 0 {
		return nil, nil, false
	}
	return files, toc, true
}

// entryReader reads an entry's fields; any error sets bad.
type entryReader struct {
	b   []byte
	bad bool
}

func (r *entryReader) take(n int) []byte {
	if r.bad || n < 0 || n > len(r.b) {
		r.bad = true
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// count reads a length or count, which cannot exceed what is left.
func (r *entryReader) count() int {
	if r.bad {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 || v > uint64(len(r.b)) {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return int(v)
}

func (r *entryReader) field() []byte { return r.take(r.count()) }

// small reads a number below 1<<16 (a heading level).
func (r *entryReader) small() int {
	if r.bad {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 || v >= 1<<16 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return int(v)
}

// keyWriter writes a key's parts to a hash, each length-prefixed so that
// no two sequences of parts give the same bytes.
type keyWriter struct{ h io.Writer }

func (w keyWriter) bytes(b []byte) {
	w.int(len(b))
	_, _ = w.h.Write(b)
}

func (w keyWriter) str(s string) {
	w.int(len(s))
	_, _ = w.h.Write([]byte(s))
}

func (w keyWriter) int(n int) {
	_, _ = w.h.Write(strconv.AppendInt(nil, int64(n), 10))
	_, _ = w.h.Write([]byte{0})
}

func (w keyWriter) bool(v bool) {
	if v {
		w.int(1)
	} else {
		w.int(0)
	}
}
