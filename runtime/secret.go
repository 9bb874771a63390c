package runtime

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
)

// Secret is a string that never shows its value: a password, a token, an
// API key. Use it for input fields (the app then treats the field as
// secret: accepted, never printed, written-only in the JSON Schema) and
// for any value logic must not leak. Every way of printing it gives ***:
// every fmt verb (%v %s %q %x %d %+v %#v …, inside structs, slices and
// maps too, as long as the field is exported: fmt cannot call methods
// on unexported fields), log/slog (LogValue), encoding/json and text
// marshalling. Decoding JSON or text reads the real value; [Secret.Reveal]
// returns it, for the one place that needs it:
//
//	req.Header.Set("Authorization", "Bearer "+x.Input.Token.Reveal())
//
// A Secret marshalled to JSON comes back as "***": keep secrets in inputs
// (decoded from the input document) rather than in outputs, which are
// stored as JSON.
type Secret string

const masked = "***"

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// String returns "***".
func (s Secret) String() string { return masked }

// GoString returns `"***"`, for %#v.
func (s Secret) GoString() string { return `"` + masked + `"` }

// Format writes *** for every verb: "***" for %q and %#v.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' || (verb == 'v' && f.Flag('#')) {
		_, _ = io.WriteString(f, s.GoString())
		return
	}
	_, _ = io.WriteString(f, masked)
}

// LogValue logs the secret as ***.
func (s Secret) LogValue() slog.Value { return slog.StringValue(masked) }

// MarshalJSON encodes the secret as "***".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + masked + `"`), nil }

// UnmarshalJSON reads the real value from a JSON string; null leaves the
// secret unchanged.
func (s *Secret) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("runtime.Secret: a secret is a JSON string")
	}
	*s = Secret(v)
	return nil
}

// MarshalText encodes the secret as ***.
func (s Secret) MarshalText() ([]byte, error) { return []byte(masked), nil }

// UnmarshalText reads the real value.
func (s *Secret) UnmarshalText(b []byte) error {
	*s = Secret(b)
	return nil
}

var (
	_ fmt.Formatter    = Secret("")
	_ fmt.GoStringer   = Secret("")
	_ slog.LogValuer   = Secret("")
	_ json.Marshaler   = Secret("")
	_ json.Unmarshaler = (*Secret)(nil)
)
