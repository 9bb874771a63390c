package docgen

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/fluxly-go/fluxly/introspect"
)

func files(ctx context.Context, m *introspect.Model, r Renderer, o Options) ([]File, error) {
	if m == nil {
		return nil, errors.New("docgen: no model")
	}
	// The index and model.json (the biggest single file) are made while the
	// workers run.
	common, commonRows := commonInputs(m)
	shared := make(chan []File, 1)
	go func() {
		fs := []File{
			{Path: "index.md", Data: IndexMarkdown(m, o)},
			{Path: "model.json", Data: m.JSON()},
		}
		if common != nil {
			fs = append(fs, File{Path: commonInputsPage, Data: common})
		}
		shared <- fs
	}()
	per := make([][]File, len(m.Workflows))
	errs := make([]error, len(m.Workflows))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(m.Workflows)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				per[i], errs[i] = workflowFiles(ctx, m.Workflows[i], r, o, commonRows)
			}
		}()
	}
feed:
	for i := range m.Workflows {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	out := <-shared
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, fs := range per {
		out = append(out, fs...)
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// commonInputs returns the shared page of the common inputs and its rows:
// those of the first workflow that documents any, or nil.
func commonInputs(m *introspect.Model) ([]byte, []inputRow) {
	for _, w := range m.Workflows {
		if _, rows := inputRows(w); len(rows) > 0 {
			return renderPage("common", &commonView{Rows: rows, Workflows: len(m.Workflows)}, 4096), rows
		}
	}
	return nil, nil
}

func workflowFiles(ctx context.Context, w *introspect.Workflow, r Renderer, o Options, common []inputRow) ([]File, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	schema := w.Schema
	if schema == nil {
		return nil, fmt.Errorf("docgen: workflow %q: no JSON Schema (a model decoded from JSON has none; use introspect.Describe)", w.Endpoint)
	}
	base := DiagramsDir + "/" + w.Endpoint
	dotText := DOT(w, o)
	page := o
	page.DiagramLink = "../" + base + ".svg"
	if r == nil {
		page.DiagramLink = "../" + base + ".dot"
	}
	_, rows := inputRows(w)
	view := newWorkflowView(w, page, commonPolicy{link: "../" + commonInputsPage, show: !slices.Equal(rows, common)})
	fs := []File{
		{Path: WorkflowsDir + "/" + w.Endpoint + ".md", Data: renderPage("workflow", view, pageSize(w))},
		{Path: SchemasDir + "/" + w.Endpoint + ".schema.json", Data: slices.Clone(schema)},
		{Path: base + ".dot", Data: dotText},
		{Path: base + ".mmd", Data: []byte(view.Diagram.Mermaid)},
	}
	if r != nil {
		svg, err := r.RenderSVG(ctx, dotText)
		if err != nil {
			return nil, fmt.Errorf("docgen: workflow %q: rendering SVG: %w", w.Endpoint, err)
		}
		fs = append(fs, File{Path: base + ".svg", Data: svg})
	}
	return fs, nil
}
