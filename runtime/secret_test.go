package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/runtime"
)

type secretInput struct {
	runtime.Input
	User   string           `json:"user"`
	Token  runtime.Secret   `json:"token"`
	Keys   []runtime.Secret `json:"keys"`
	Backup *runtime.Secret  `json:"backup"`
}

// A secret never shows its value, however it is printed, logged or
// encoded; decoding gives the real value to Reveal.
func TestSecretNeverPrinted(t *testing.T) {
	const value = "hunter2-s3cr3t"
	backup := runtime.Secret(value + "-backup")
	in := secretInput{User: "ann", Token: runtime.Secret(value), Keys: []runtime.Secret{value, value}, Backup: &backup}
	s := in.Token

	var out []string
	for _, verb := range []string{"%v", "%s", "%q", "%x", "%X", "%d", "%+v", "%#v", "%10s", "%-8v", "%T"} {
		out = append(out, fmt.Sprintf(verb, s), fmt.Sprintf(verb, in), fmt.Sprintf(verb, &in), fmt.Sprintf(verb, in.Keys))
	}
	out = append(out, fmt.Sprint(s, in, &s), fmt.Sprintln(s, in.Backup), s.String(), s.GoString(), fmt.Errorf("token %v rejected", s).Error())
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		l := slog.New(h)
		l.Info("login", "token", s, "input", in, "ptr", &in, "keys", in.Keys, slog.Any("any", s), slog.Group("g", "t", s))
		l.With("token", s).Info("with")
	}
	out = append(out, logs.String())
	for _, v := range []any{s, in, &in, map[string]runtime.Secret{"k": s}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	text, _ := s.MarshalText()
	out = append(out, string(text))

	all := strings.Join(out, "\n")
	if strings.Contains(all, "hunter2") || strings.Contains(all, fmt.Sprintf("%x", value)) || strings.Contains(all, fmt.Sprintf("%X", value)) {
		t.Fatalf("the secret leaked:\n%s", all)
	}
	if !strings.Contains(all, "***") {
		t.Fatalf("no *** in:\n%s", all)
	}
	if got := fmt.Sprintf("%q|%#v|%v|%s", s, s, s, in.Keys); got != `"***"|"***"|***|[*** ***]` {
		t.Fatalf("got %s", got)
	}
	if b, _ := json.Marshal(in); !strings.Contains(string(b), `"token":"***","keys":["***","***"],"backup":"***"`) {
		t.Fatalf("json %s", b)
	}

	// Decoding an input document reads the real values.
	var decoded secretInput
	doc := `{"user":"ann","token":"` + value + `","keys":["k1","k2"],"backup":"b"}`
	if err := json.Unmarshal([]byte(doc), &decoded); err != nil {
		t.Fatal(err)
	}
	if decoded.Token.Reveal() != value || decoded.Keys[1].Reveal() != "k2" || decoded.Backup.Reveal() != "b" {
		t.Fatalf("decoded %q %q %q", decoded.Token.Reveal(), decoded.Keys[1].Reveal(), decoded.Backup.Reveal())
	}
	var fromText runtime.Secret
	if err := fromText.UnmarshalText([]byte(value)); err != nil || fromText.Reveal() != value {
		t.Fatalf("UnmarshalText: %q %v", fromText.Reveal(), err)
	}
	if err := json.Unmarshal([]byte(`{"token":42}`), &decoded); err == nil || strings.Contains(err.Error(), "42") {
		t.Fatalf("a non-string secret: %v", err)
	}
	if err := json.Unmarshal([]byte(`{"token":null}`), &decoded); err != nil || decoded.Token.Reveal() != value {
		t.Fatalf("null: %q %v", decoded.Token.Reveal(), err)
	}
}

// A node logging its input through Exec.Log does not leak the secret,
// and reads it with Reveal.
func TestSecretInARun(t *testing.T) {
	var logs bytes.Buffer
	var seen string
	build := func() *runtime.Workflow[secretInput] {
		wf := runtime.NewWorkflow[secretInput]("secret")
		runtime.AddFunc(wf, "login", func(_ context.Context, x *runtime.Exec[secretInput, runtime.NoOutput]) error {
			x.Log.Info("logging in", "input", *x.Input, "token", x.Input.Token)
			seen = x.Input.Token.Reveal()
			return runtime.Errorf(runtime.APICallFailure, "token %v was refused", x.Input.Token)
		})
		return wf
	}
	res, err := runtime.Run(context.Background(), build, &secretInput{Token: "hunter2"},
		runtime.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	if seen != "hunter2" {
		t.Fatalf("Reveal gave %q", seen)
	}
	if all := logs.String() + string(b); strings.Contains(all, "hunter2") || !strings.Contains(all, "token *** was refused") {
		t.Fatalf("leaked or missing:\n%s", all)
	}
}
