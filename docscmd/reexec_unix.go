//go:build unix

package docscmd

import (
	"os"
	"syscall"
)

// reexec replaces the process with exe, run with the process's own
// arguments and environment: docs serve restarts on a rebuilt binary.
// This is the one place docscmd reads os.Args — the process's, whatever
// arguments the app was given — because it restarts the process itself.
func reexec(exe string) error {
	return syscall.Exec(exe, os.Args, os.Environ())
}
