//go:build !unix

package docscmd

import "errors"

// reexec is not available without exec(2): docs serve asks for a restart.
func reexec(string) error { return errors.New("restarting in place needs a Unix system") }
