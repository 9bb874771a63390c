package temporal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/endpoint"
	"github.com/fluxly-go/fluxly/internal/logging"
)

// workerFlags are the worker command's flags.
type workerFlags struct {
	Grace     time.Duration `help:"How long node attempts in flight may go on after SIGINT/SIGTERM before they are cancelled (and retried elsewhere, as their retry policy allows). Default: temporal.Options.Worker.WorkerStopTimeout, else 10s." env:"FLUXLY_GRACE"`
	LogFormat string        `name:"log-format" help:"Log format on stderr. One of: text, json." enum:"text,json" default:"text" env:"FLUXLY_LOG_FORMAT"`
	LogLevel  string        `name:"log-level" help:"Least severe log level shown (node logs included). One of: debug, info, warn, error." enum:"debug,info,warn,error" default:"info" env:"FLUXLY_LOG_LEVEL"`
}

// defaultStopTimeout is how long a stopping worker lets its node attempts
// finish before it cancels them, when Options.Worker does not say.
const defaultStopTimeout = 10 * time.Second

func (x *extension) workerCommand() fluxly.Command {
	f := &workerFlags{}
	return fluxly.Command{
		Name:  "worker",
		Help:  "Run a Temporal worker for every endpoint of the app: it polls the task queue and runs workflows and their nodes until SIGINT or SIGTERM.",
		Flags: f,
		Run:   func(ctx context.Context, env *fluxly.Env) error { return x.worker(ctx, env, f) },
	}
}

// worker runs the worker command: it prints one line once the worker
// polls, and stops when ctx ends, letting running attempts finish for
// --grace.
func (x *extension) worker(ctx context.Context, env *fluxly.Env, f *workerFlags) error {
	app, err := x.appOf()
	if err != nil {
		return &command.UsageError{Err: err}
	}
	level, err := logging.ParseLevel(f.LogLevel)
	if err != nil {
		return &command.UsageError{Err: fmt.Errorf("--log-level: %w", err)}
	}
	log := logging.New(env.Stderr, f.LogFormat, level)
	set := x.opts.settings(app)
	dctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	c, err := dial(dctx, set, log)
	cancel()
	if err != nil {
		return err
	}
	defer c.Close()
	wopts := set.worker
	switch {
	case f.Grace < 0:
		return &command.UsageError{Err: fmt.Errorf("--grace %v must not be negative", f.Grace)}
	case f.Grace > 0:
		wopts.WorkerStopTimeout = f.Grace
	case wopts.WorkerStopTimeout == 0:
		wopts.WorkerStopTimeout = defaultStopTimeout
	}
	w := worker.New(c, set.taskQueue, wopts)
	register(w, app.Endpoints, set, log)
	if err := w.Start(); err != nil {
		return fmt.Errorf("starting the worker on task queue %q: %w", set.taskQueue, err)
	}
	fmt.Fprintf(env.Stdout, "fluxly temporal worker ready: task queue %s at %s (namespace %s); endpoints %s\n",
		set.taskQueue, set.client.HostPort, set.client.Namespace, strings.Join(app.Endpoints.Names(), ", "))
	<-ctx.Done()
	log.Info("stopping the worker", "grace", wopts.WorkerStopTimeout.String())
	w.Stop()
	return nil
}

// dial connects to Temporal with the app's client options; the SDK logs
// warnings and errors to log unless the options bring a logger.
func dial(ctx context.Context, set settings, log *slog.Logger) (client.Client, error) {
	opts := set.client
	if opts.Logger == nil {
		opts.Logger = sdklog.NewStructuredLogger(slog.New(warnOnly{log.Handler()}))
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connecting to Temporal at %s, namespace %s (temporal.Options.Client): %w", opts.HostPort, opts.Namespace, err)
	}
	return c, nil
}

// warnOnly passes on warnings and errors: the SDK's info logs are chatter.
type warnOnly struct{ slog.Handler }

func (h warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h warnOnly) WithAttrs(attrs []slog.Attr) slog.Handler {
	return warnOnly{h.Handler.WithAttrs(attrs)}
}

func (h warnOnly) WithGroup(name string) slog.Handler { return warnOnly{h.Handler.WithGroup(name)} }

// registry is where endpoints are registered: a worker, a replayer, the
// SDK's test environment.
type registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// register registers every endpoint of set: its workflow, an activity per
// node and one for the workflow's hooks.
func register(reg registry, set *endpoint.Set, s settings, log *slog.Logger) {
	for _, ep := range set.All() {
		registerFlow(reg, newFlow(ep, s, log))
	}
}

func registerFlow(reg registry, f *flow) {
	name := f.ep.Name()
	reg.RegisterWorkflowWithOptions(f.workflow, workflow.RegisterOptions{Name: name})
	for _, n := range f.ep.Model().Nodes {
		reg.RegisterActivityWithOptions(f.nodeActivity(n.Name), activity.RegisterOptions{Name: nodeActivityName(name, n.Name)})
	}
	reg.RegisterActivityWithOptions(f.hooksActivity(), activity.RegisterOptions{Name: hooksActivityName(name)})
}

// stopped reports whether ctx ended because the worker is stopping.
func stopped(ctx context.Context) bool {
	return ctx.Err() != nil && errors.Is(context.Cause(ctx), worker.ErrWorkerShutdown)
}
