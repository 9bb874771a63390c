package describe_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/runtime"
)

type secretTypeInput struct {
	runtime.Input
	User     string           `json:"user"`
	Token    runtime.Secret   `json:"token" help:"API token."`
	Keys     []runtime.Secret `json:"keys"`
	Backup   *runtime.Secret  `json:"backup"`
	Password string           `json:"password" fluxly:"secret"` // the tag still works
	DB       struct {
		Host     string         `json:"host"`
		Password runtime.Secret `json:"password"`
	} `json:"db"`
}

type secretTypeStep struct {
	runtime.Node[secretTypeInput, runtime.NoOutput]
}

func (secretTypeStep) Logic(context.Context, *runtime.Exec[secretTypeInput, runtime.NoOutput]) error {
	return nil
}

// A runtime.Secret field (or []Secret, *Secret, or one in a nested
// struct) is a secret string field without the tag: JSON type string,
// writeOnly in the schema, *** in the redacted document, and the real
// value decoded.
func TestSecretTypeFields(t *testing.T) {
	w, c := codec(t, ep{Name: "secrets", Build: func() any {
		wf := runtime.NewWorkflow[secretTypeInput]("secrets")
		runtime.Add(wf, &secretTypeStep{}, runtime.Name("s"))
		return wf
	}}, describe.Options{})
	for _, name := range []string{"token", "keys", "backup", "password", "db.password"} {
		f := w.Field(name)
		if f == nil || !f.Secret {
			t.Fatalf("%s: %+v, want a secret field", name, f)
		}
	}
	if f := w.Field("token"); f.JSONType != "string" || f.Flag != "token" || f.Description != "API token." {
		t.Fatalf("token: %+v", f)
	}
	if f := w.Field("keys"); f.JSONType != "array" || f.ItemType != "string" {
		t.Fatalf("keys: %+v", f)
	}
	if f := w.Field("user"); f.Secret {
		t.Fatal("user is not secret")
	}
	var schema struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(w.Schema, &schema); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"token", "keys", "backup", "password"} {
		if p := string(schema.Properties[name]); !strings.Contains(p, `"writeOnly": true`) {
			t.Errorf("schema of %s: %s", name, p)
		}
	}
	if p := string(schema.Properties["token"]); !strings.Contains(p, `"type": "string"`) {
		t.Errorf("schema of token: %s", p)
	}

	doc := `{"user":"ann","token":"tok-1","keys":["k-1","k-2"],"backup":"bak-1","password":"pw-1","db":{"host":"h","password":"dbpw-1"}}`
	v, redacted, err := c.DecodeNew([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	in := v.(*secretTypeInput)
	if in.Token.Reveal() != "tok-1" || in.Keys[1].Reveal() != "k-2" || in.Backup.Reveal() != "bak-1" || in.DB.Password.Reveal() != "dbpw-1" {
		t.Fatalf("decoded %q %v %v %q", in.Token.Reveal(), in.Keys, in.Backup, in.DB.Password.Reveal())
	}
	b, _ := json.Marshal(redacted)
	printed := fmt.Sprintf("%s %+v %v", b, *in, in)
	for _, secret := range []string{"tok-1", "k-1", "k-2", "bak-1", "dbpw-1"} {
		if strings.Contains(printed, secret) {
			t.Fatalf("%s leaked: %s", secret, printed)
		}
	}
	if !strings.Contains(string(b), `"token":"***"`) || !strings.Contains(string(b), `"user":"ann"`) {
		t.Fatalf("redacted %s", b)
	}
	// A rule broken by a secret never shows its value.
	_, _, err = c.DecodeNew([]byte(`{"token":12345}`))
	if err == nil || strings.Contains(err.Error(), "12345") || !strings.Contains(err.Error(), "token") {
		t.Fatalf("type error: %v", err)
	}
}

type mapSecretInput struct {
	runtime.Input
	Tokens map[string]runtime.Secret `json:"tokens"`
}

type nestedSecretInput struct {
	runtime.Input
	Creds []struct {
		Key runtime.Secret `json:"key"`
	} `json:"creds"`
}

type mapSecretStep struct {
	runtime.Node[mapSecretInput, runtime.NoOutput]
}

func (mapSecretStep) Logic(context.Context, *runtime.Exec[mapSecretInput, runtime.NoOutput]) error {
	return nil
}

type nestedSecretStep struct {
	runtime.Node[nestedSecretInput, runtime.NoOutput]
}

func (nestedSecretStep) Logic(context.Context, *runtime.Exec[nestedSecretInput, runtime.NoOutput]) error {
	return nil
}

// Secrets inside JSON-only fields could not be redacted: refused.
func TestSecretTypeInsideJSONOnlyFields(t *testing.T) {
	for _, c := range []struct {
		build func() any
		want  string
	}{
		{func() any {
			wf := runtime.NewWorkflow[mapSecretInput]("map-secret")
			runtime.Add(wf, &mapSecretStep{}, runtime.Name("s"))
			return wf
		}, "field tokens (map[string]runtime.Secret): a runtime.Secret (runtime.Secret) inside a map"},
		{func() any {
			wf := runtime.NewWorkflow[nestedSecretInput]("nested-secret")
			runtime.Add(wf, &nestedSecretStep{}, runtime.Name("s"))
			return wf
		}, ".Key) inside a map, a pointer to a struct or a list of structs"},
	} {
		_, err := describeAll([]ep{{Name: "x", Build: c.build}}, describe.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want %q", err, c.want)
		}
	}
}
