package docgen

import (
	"strconv"
	"time"

	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// A run report is the workflow page with what happened in front: the
// outcome, per-node results, the status-coloured diagram and every attempt.

type reportView struct {
	*workflowView
	Summary  []row
	Results  []resultRow
	Diagram  diagramView
	Attempts []attemptView
}

type resultRow struct{ Node, Outcome, Status, Attempts, Duration, Error string }

type attemptView struct {
	Title string
	Rows  []attemptRow
}

type attemptRow struct{ Node, Attempt, Status, Started, Duration, Error string }

func newReportView(w *introspect.Workflow, res *runtime.Result, o Options) *reportView {
	run := newRunState(w, res)
	wv := newWorkflowView(w, o, commonPolicy{})
	// The report lives wherever the run wrote it: no links into a docs tree.
	wv.Facts = workflowFacts(w, "")
	wv.Summary = summaryLine(w, "")
	v := &reportView{workflowView: wv}
	r := run.res

	v.Summary = append(v.Summary, row{"Run ID", orDash(cellCode(r.RunID))})
	if r.ResumedFrom != "" {
		v.Summary = append(v.Summary, row{"Resumed from", cellCode(r.ResumedFrom) +
			": the nodes that run completed kept their records and outputs and did not run again (marked reused)"})
	}
	name := r.Workflow
	if name == "" {
		name = w.Name
	}
	if r.Version != "" {
		name += " " + r.Version
	}
	v.Summary = append(v.Summary,
		row{"Workflow", mdText(name)},
		row{"Status", "**" + mdText(r.Status.String()) + "** (exit code " + strconv.Itoa(r.StatusCode) + ")"},
	)
	if r.Error != nil {
		v.Summary = append(v.Summary, row{"Error", errorText(r.Error)})
	}
	v.Summary = append(v.Summary,
		row{"Started", orDash(timeText(r.Start))},
		row{"Finished", orDash(timeText(r.End))},
		row{"Duration", durationText(time.Duration(r.Duration))},
		row{"Workflow attempts", strconv.Itoa(len(r.Executions))},
	)

	for i := range w.Nodes {
		nr := &run.nodes[i]
		rr := resultRow{
			Node:     nodeLink(w.Nodes[i].Name),
			Outcome:  nr.outcome.String(),
			Status:   "—",
			Attempts: strconv.Itoa(len(nr.attempts)),
			Duration: "—",
			Error:    "—",
		}
		if len(nr.attempts) > 0 {
			rr.Status = mdText(nr.status.String())
			rr.Duration = durationText(nr.duration)
			if nr.attempts[len(nr.attempts)-1].Reused {
				rr.Outcome += " (reused)"
			}
		}
		if nr.err != nil {
			rr.Error = errorText(nr.err)
		}
		v.Results = append(v.Results, rr)
	}

	v.Diagram = newDiagramView(w.Name, o.DiagramLink, mermaid(w, o, run), false)
	v.Diagram.Legend = []string{
		"Nodes are coloured by their final state in the last workflow attempt: " +
			"green completed, red failed (any status other than COMPLETED or TIMED_OUT), orange timed out, " +
			"grey dashed skipped (an incoming edge said no, or a parent was skipped), " +
			"faint dotted not reached (the workflow stopped first).",
		edgeLegend,
	}
	if hasBadges(w) {
		v.Diagram.Legend = append(v.Diagram.Legend, badgeLegend)
	}

	for _, we := range r.Executions {
		if we == nil {
			continue
		}
		av := attemptView{Title: "Workflow attempt " + strconv.Itoa(we.Attempt) + ": " +
			mdText(we.Status.String()) + " in " + durationText(time.Duration(we.Duration))}
		for i := range w.Nodes {
			name := w.Nodes[i].Name
			for _, ne := range we.Nodes[name] {
				ar := attemptRow{
					Node:     nodeLink(name),
					Attempt:  strconv.Itoa(ne.Attempt),
					Status:   mdText(ne.Status.String()),
					Started:  orDash(timeText(ne.Start)),
					Duration: durationText(time.Duration(ne.Duration)),
					Error:    "—",
				}
				if ne.Error != nil {
					ar.Error = errorText(ne.Error)
				}
				if ne.Reused {
					ar.Status += " (reused from " + cellCode(r.ResumedFrom) + ")"
				}
				av.Rows = append(av.Rows, ar)
			}
		}
		v.Attempts = append(v.Attempts, av)
	}
	return v
}

// errorText is a recorded error for a table cell: its message, then its Go
// type.
func errorText(e *runtime.ErrorInfo) string {
	s := mdText(e.Message)
	if e.Type != "" {
		s += " (" + cellCode(e.Type) + ")"
	}
	return s
}
