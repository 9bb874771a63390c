// Package atomicfile writes files atomically: into a temporary file beside
// the target, then renamed over it, so readers — other processes included —
// see the old file or the new one, never a part of either.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
)

// WriteIn writes data to name, a slash-separated path inside root,
// creating missing directories. The file is mode 0644.
func WriteIn(root *os.Root, name string, data []byte) error {
	if d := path.Dir(name); d != "." {
		if err := root.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	tmp, f, err := createTemp(root, name)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmp, name)
	}
	if err != nil {
		_ = root.Remove(tmp)
	}
	return err
}

// Write writes data to the file at path, creating missing directories.
func Write(path string, data []byte) error {
	root, base, err := openDir(path)
	if err != nil {
		return err
	}
	defer root.Close()
	return WriteIn(root, base, data)
}

// CheckWritable makes sure Write can later write path: it names a file,
// not a directory, and its directory exists (or is created) and takes new
// files. It leaves nothing behind.
func CheckWritable(path string) error {
	if path == "" {
		return errors.New("empty path")
	}
	base := filepath.Base(path)
	if os.IsPathSeparator(path[len(path)-1]) || base == "." || base == ".." {
		return errors.New("names a directory, not a file")
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return errors.New("is a directory")
	}
	root, base, err := openDir(path)
	if err != nil {
		return err
	}
	defer root.Close()
	tmp, f, err := createTemp(root, base)
	if err != nil {
		return fmt.Errorf("cannot create a file in %s: %w", filepath.Dir(path), errors.Unwrap(err))
	}
	f.Close()
	return root.Remove(tmp)
}

// openDir opens path's directory as a root, creating it if needed.
func openDir(path string) (*os.Root, string, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, "", err
	}
	return root, filepath.Base(path), nil
}

// createTemp creates a new temporary file beside name.
func createTemp(root *os.Root, name string) (string, *os.File, error) {
	var b [8]byte
	for range 10 {
		_, _ = rand.Read(b[:])
		tmp := path.Join(path.Dir(name), "."+path.Base(name)+"."+hex.EncodeToString(b[:])+".tmp")
		f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		return tmp, f, err
	}
	return "", nil, errors.New("cannot pick a temporary file name")
}
