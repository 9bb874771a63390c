// Package logging makes the app's structured loggers.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Formats are the log formats, for help and validation.
var formats = []string{"text", "json"}

// Levels are the log levels, least severe first.
var levels = []string{"debug", "info", "warn", "error"}

// Formats returns the log formats: text and json.
func Formats() []string { return append([]string(nil), formats...) }

// Levels returns the log levels, least severe first.
func Levels() []string { return append([]string(nil), levels...) }

// New returns a logger writing format ("text" or "json") to w, recording
// level and above.
func New(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// ParseLevel reads a level name: debug, info, warn or error.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.TrimSpace(s))); err != nil {
		return 0, fmt.Errorf("log level %q: want one of %s", s, strings.Join(levels, ", "))
	}
	return l, nil
}
