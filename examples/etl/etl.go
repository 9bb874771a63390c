// Package etl is a small extract-transform-load pipeline over a JSON file of
// users. Malformed rows make extract fail with DATA_ERROR; load retries
// twice and honours dry_run. Execution groups keep the load path and the
// audit branch independent: a failing audit does not stop the load, and a
// failing load does not cancel the audit.
package etl

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

// Sources holds this package's Go files, for doc-comment descriptions.
//
//go:embed *.go
var Sources embed.FS

// Input is the etl workflow's input.
type Input struct {
	runtime.Input

	Source  string `json:"source" default:"examples/etl/testdata/users.json" help:"JSON file with an array of users to extract: a relative path inside the working directory."`
	MinAge  int    `json:"min_age" default:"18" help:"Drop users younger than this." jsonschema:"minimum=0,maximum=150"`
	Country string `json:"country" help:"Keep only users from this ISO 3166 country code; empty keeps all." jsonschema:"pattern=^[A-Z]{2}$"`
	Output  string `json:"output" help:"File to write the loaded users to as JSON, a relative path inside the working directory; empty logs them instead."`
	DryRun  bool   `json:"dry_run" default:"false" help:"Validate and transform, but load nothing."`
}

// User is one row of the source file.
type User struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Age     int    `json:"age"`
	Country string `json:"country"`
}

// ExtractOutput holds the rows read from the source.
type ExtractOutput struct {
	Users []User `json:"users" help:"Rows that passed validation."`
}

// Extract reads and validates the source file.
type Extract struct {
	runtime.Node[Input, ExtractOutput]
}

// workDir confines the files etl reads and writes to the process's working
// directory: its source and output come from input — an HTTP client's,
// when the app serves the API — and must not reach any other file the
// process may open.
func workDir() (*os.Root, error) { return os.OpenRoot(".") }

// Logic reads every row and reports all malformed ones at once.
func (e *Extract) Logic(_ context.Context, x *runtime.Exec[Input, ExtractOutput]) error {
	root, err := workDir()
	if err != nil {
		return runtime.Errorf(runtime.InfrastructureError, "opening the working directory: %w", err)
	}
	defer root.Close()
	data, err := root.ReadFile(x.Input.Source)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return runtime.Errorf(runtime.PrerequisiteFail, "source %s does not exist", x.Input.Source)
	case err != nil && !filepath.IsLocal(x.Input.Source):
		return runtime.Errorf(runtime.DataValidationFailure, "source %s: only files inside the working directory may be read", x.Input.Source)
	case err != nil:
		return runtime.Errorf(runtime.InfrastructureError, "reading source %s: %v", x.Input.Source, errors.Unwrap(err))
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(data, &rows); err != nil {
		// Say where, never what: the file's bytes are not the caller's to read.
		where := ""
		var se *json.SyntaxError
		if errors.As(err, &se) {
			where = fmt.Sprintf(" (invalid JSON at byte %d)", se.Offset)
		}
		return runtime.Errorf(runtime.DataError, "source %s is not a JSON array of users%s", x.Input.Source, where)
	}
	var bad []string
	for i, raw := range rows {
		var u User
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&u); err != nil {
			bad = append(bad, fmt.Sprintf("row %d: %v", i+1, err))
			continue
		}
		if problem := check(u); problem != "" {
			bad = append(bad, fmt.Sprintf("row %d: %s", i+1, problem))
			continue
		}
		x.Output.Users = append(x.Output.Users, u)
	}
	if len(bad) > 0 {
		return runtime.Errorf(runtime.DataError, "%d malformed row(s) in %s: %s", len(bad), x.Input.Source, strings.Join(bad, "; "))
	}
	x.Log.Info("extracted", "rows", len(x.Output.Users))
	return nil
}

func check(u User) string {
	switch {
	case u.ID <= 0:
		return "id must be positive"
	case strings.TrimSpace(u.Name) == "":
		return "name is empty"
	case !strings.Contains(u.Email, "@"):
		return fmt.Sprintf("email %q has no @", u.Email)
	case u.Age < 0 || u.Age > 150:
		return fmt.Sprintf("age %d is out of range", u.Age)
	case len(u.Country) != 2:
		return fmt.Sprintf("country %q is not a 2-letter code", u.Country)
	}
	return ""
}

// TransformOutput holds the users to load.
type TransformOutput struct {
	Users   []User `json:"users" help:"Normalised users that passed the filters."`
	Dropped int    `json:"dropped" help:"Rows removed by min_age and country."`
}

// Transform filters and normalises users.
type Transform struct {
	runtime.Node[Input, TransformOutput]
	Extract *Extract
}

// Logic keeps users old enough and from the wanted country.
func (t *Transform) Logic(_ context.Context, x *runtime.Exec[Input, TransformOutput]) error {
	for _, u := range t.Extract.Last().Output.Users {
		if u.Age < x.Input.MinAge || (x.Input.Country != "" && u.Country != x.Input.Country) {
			x.Output.Dropped++
			continue
		}
		u.Name = strings.Join(strings.Fields(u.Name), " ")
		u.Email = strings.ToLower(u.Email)
		x.Output.Users = append(x.Output.Users, u)
	}
	x.Log.Info("transformed", "kept", len(x.Output.Users), "dropped", x.Output.Dropped)
	return nil
}

// LoadOutput says what was loaded.
type LoadOutput struct {
	Loaded int `json:"loaded" help:"Users written (0 in a dry run)."`
}

// Load writes the users, or only counts them in a dry run.
type Load struct {
	runtime.Node[Input, LoadOutput]
	Transform *Transform
}

// Logic writes the output file or logs each user.
func (l *Load) Logic(_ context.Context, x *runtime.Exec[Input, LoadOutput]) error {
	users := l.Transform.Last().Output.Users
	if x.Input.DryRun {
		x.Log.Info("dry run: nothing loaded", "would_load", len(users))
		return nil
	}
	if x.Input.Output == "" {
		for _, u := range users {
			x.Log.Info("load", "id", u.ID, "name", u.Name, "country", u.Country)
		}
		x.Output.Loaded = len(users)
		return nil
	}
	data, err := json.MarshalIndent(users, "", "  ")
	if err != nil {
		return err
	}
	if !filepath.IsLocal(x.Input.Output) {
		return runtime.Errorf(runtime.DataValidationFailure, "output %s: only files inside the working directory may be written", x.Input.Output)
	}
	root, err := workDir()
	if err != nil {
		return runtime.Errorf(runtime.InfrastructureError, "opening the working directory: %w", err)
	}
	defer root.Close()
	if err := root.WriteFile(x.Input.Output, append(data, '\n'), 0o644); err != nil {
		return runtime.Errorf(runtime.DependencyUnavailable, "writing %s: %v", x.Input.Output, errors.Unwrap(err))
	}
	x.Output.Loaded = len(users)
	return nil
}

// AuditOutput counts users per country.
type AuditOutput struct {
	Countries []string `json:"countries" help:"Countries seen, sorted."`
}

// Audit reports which countries the source holds.
type Audit struct {
	runtime.Node[Input, AuditOutput]
	Extract *Extract
}

// Logic lists the distinct countries.
func (a *Audit) Logic(_ context.Context, x *runtime.Exec[Input, AuditOutput]) error {
	for _, u := range a.Extract.Last().Output.Users {
		if !slices.Contains(x.Output.Countries, u.Country) {
			x.Output.Countries = append(x.Output.Countries, u.Country)
		}
	}
	slices.Sort(x.Output.Countries)
	x.Log.Info("audit", "countries", strings.Join(x.Output.Countries, ","))
	return nil
}

// New builds the etl workflow.
func New() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("etl",
		runtime.Description("Extracts users from a JSON file, filters and normalises them, and loads them."),
		runtime.Version("2.1.0"))
	ex := runtime.Add(wf, &Extract{}, runtime.Name("extract"),
		runtime.Description("Reads the source file; malformed rows fail with DATA_ERROR."), runtime.Timeout(10*time.Second))
	tr := runtime.Add(wf, &Transform{Extract: ex}, runtime.Name("transform"),
		runtime.Description("Keeps users old enough and from the wanted country; normalises names and emails."))
	ld := runtime.Add(wf, &Load{Transform: tr}, runtime.Name("load"),
		runtime.Description("Writes the users (or logs them); dry_run loads nothing."),
		runtime.Timeout(30*time.Second), runtime.Retries(2, 200*time.Millisecond), runtime.ExponentialBackoff(2, 2*time.Second))
	au := runtime.Add(wf, &Audit{Extract: ex}, runtime.Name("audit"), runtime.Description("Lists the countries in the source."))
	wf.AddEdgeIfSourceCompleted(ex, tr)
	wf.AddEdgeIfSourceCompleted(tr, ld)
	wf.AddEdgeIfSourceCompleted(ex, au)
	wf.AddExecutionGroup(ex, tr, ld)
	wf.AddExecutionGroup(ex, au)
	return wf
}
