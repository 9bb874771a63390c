package devserver

import (
	"context"
	"fmt"
	"log/slog"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
	"go.uber.org/zap/zapcore"
)

// serverLogger adapts a *slog.Logger to the server's log.Logger. Records
// below gate are dropped, whatever the handler would do with them: Stop
// raises it to silence routine shutdown warnings.
type serverLogger struct {
	log   *slog.Logger
	gate  *slog.LevelVar
	attrs []slog.Attr
}

var (
	_ log.Logger     = (*serverLogger)(nil)
	_ log.WithLogger = (*serverLogger)(nil)
)

func (l *serverLogger) Debug(msg string, tags ...tag.Tag) { l.emit(slog.LevelDebug, msg, tags) }
func (l *serverLogger) Info(msg string, tags ...tag.Tag)  { l.emit(slog.LevelInfo, msg, tags) }
func (l *serverLogger) Warn(msg string, tags ...tag.Tag)  { l.emit(slog.LevelWarn, msg, tags) }
func (l *serverLogger) Error(msg string, tags ...tag.Tag) { l.emit(slog.LevelError, msg, tags) }

// DPanic is a development-mode panic in zap; an error here.
func (l *serverLogger) DPanic(msg string, tags ...tag.Tag) { l.emit(slog.LevelError, msg, tags) }

func (l *serverLogger) Panic(msg string, tags ...tag.Tag) {
	l.emit(slog.LevelError, msg, tags)
	panic(newFatalError(msg, tags))
}

// Fatal would exit the process with zap. The server calls it for conditions
// it cannot go on from, such as a port it cannot bind; Start recovers the
// panic while the server is being built and returns it as an error.
func (l *serverLogger) Fatal(msg string, tags ...tag.Tag) {
	l.emit(slog.LevelError, msg, tags)
	panic(newFatalError(msg, tags))
}

// With returns a logger that adds tags to every record.
func (l *serverLogger) With(tags ...tag.Tag) log.Logger {
	attrs := append(append([]slog.Attr(nil), l.attrs...), tagAttrs(tags)...)
	return &serverLogger{log: l.log, gate: l.gate, attrs: attrs}
}

func (l *serverLogger) emit(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	if level < l.gate.Level() || !l.log.Enabled(ctx, level) {
		return
	}
	attrs := append(append([]slog.Attr(nil), l.attrs...), tagAttrs(tags)...)
	l.log.LogAttrs(ctx, level, msg, attrs...)
}

func tagAttrs(tags []tag.Tag) []slog.Attr {
	attrs := make([]slog.Attr, len(tags))
	for i, t := range tags {
		if err := tagError(t); err != nil {
			attrs[i] = slog.Any(t.Key(), err)
			continue
		}
		attrs[i] = slog.Any(t.Key(), t.Value())
	}
	return attrs
}

// tagError returns the error a tag.Error carries, which Value would only
// give back as text.
func tagError(t tag.Tag) error {
	zt, ok := t.(tag.ZapTag)
	if !ok || zt.Field().Type != zapcore.ErrorType {
		return nil
	}
	err, _ := zt.Field().Interface.(error)
	return err
}

// fatalError is the value a Fatal or Panic log call panics with.
type fatalError struct {
	Msg string
	Err error // the error the log call carried, if any
}

func newFatalError(msg string, tags []tag.Tag) *fatalError {
	f := &fatalError{Msg: msg}
	for _, t := range tags {
		if err := tagError(t); err != nil {
			f.Err = err
			break
		}
	}
	return f
}

func (f *fatalError) Error() string {
	if f.Err == nil {
		return "temporal server: " + f.Msg
	}
	return fmt.Sprintf("temporal server: %s: %v", f.Msg, f.Err)
}

func (f *fatalError) Unwrap() error { return f.Err }
