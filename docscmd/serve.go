package docscmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/site"
)

// serve runs docs serve: the site from memory, built before listening (so
// errors show at once) and again on each hard reload of a page.
func serve(ctx context.Context, env *fluxly.Env, f *docsFlags) error {
	r := newRenderer(env, f.SVGCache)
	o := siteOptions(env, f.Title, f.Direction, f.APIBaseURL)
	build := func(ctx context.Context) ([]site.File, error) { return site.Build(ctx, env.Model, r, o) }
	first, err := build(ctx)
	if err != nil {
		return err
	}
	h := lazy(func(ctx context.Context) ([]site.File, error) {
		if first != nil { // Lazy serialises builds
			files := first
			first = nil
			return files, nil
		}
		return build(ctx)
	}, lazyOptions{Rebuild: true})

	ln, err := net.Listen("tcp", f.Addr)
	if err != nil {
		return command.Usagef("--addr %s: %w", f.Addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Fprintf(env.Stderr, "serving the docs at http://%s/ (a hard reload rebuilds them; Ctrl-C stops)\n", ln.Addr())
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
