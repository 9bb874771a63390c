// Package temporal runs a Fluxly app's workflows on Temporal
// (https://temporal.io), across any number of worker processes, without
// changing a workflow's code.
//
//	app := fluxly.New(fluxly.Name("shop"), temporal.Use(temporal.Options{
//		Client: client.Options{HostPort: "127.0.0.1:7233"},
//	}))
//	fluxly.Register(app, "orders", orders.New)
//	app.Run()
//
// With [Use], every run the app starts — from the command line, the
// environment trigger or the HTTP API — is submitted to Temporal and
// waited for, and the app gains a `worker` command that runs a Temporal
// worker for all its endpoints. Start the workers (`shop worker`, as many
// as you like, on any machines), then run workflows as before: exit codes,
// run records, reports and GET /runs/{id} do not change.
//
// Each endpoint is a Temporal workflow type named after the endpoint; each
// node is an activity type named "<endpoint>/<node>", and the workflow's
// own hooks run in an activity of their own, "<endpoint>#hooks". The
// workflow function walks the same graph with the same rules as the local
// runtime — edges, conditional edges, on-success edges, execution groups,
// trigger rules, skip propagation — deterministically, and returns the
// same record the local runtime does (every workflow attempt, every node
// attempt with its status, error and typed output). The package README
// maps every node and workflow option onto Temporal and lists what
// differs.
package temporal

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/internal/command"
)

// Options configure the Temporal integration: where runs are submitted,
// and how workers run them. The zero value submits to a dev server on
// 127.0.0.1:7233, namespace "default", task queue "fluxly-<app name>".
type Options struct {
	// Client is how the app and its workers connect to Temporal, passed
	// to the SDK as it is: HostPort (default 127.0.0.1:7233), Namespace
	// (default "default"), ConnectionOptions.TLS for TLS and mTLS,
	// Credentials for an API key (client.NewAPIKeyStaticCredentials),
	// DataConverter for a payload codec that encrypts inputs and outputs
	// (converter.NewCodecDataConverter), Logger for the SDK's own logs
	// (default: warnings and errors to standard error), Identity, ….
	Client client.Options

	// TaskQueue is the queue runs are submitted to and workers poll;
	// default "fluxly-" followed by the app's name. The submitting app
	// and its workers must agree on it, and on Client.Namespace.
	TaskQueue string

	// Worker tunes the SDK worker the worker command runs (concurrency
	// limits, rate limits, sticky cache, …), passed to worker.New as it is.
	Worker worker.Options

	// HeartbeatTimeout is how long a worker may stay silent while it runs
	// a node before Temporal gives the attempt up as lost (the worker was
	// killed, crashed or cut off): the attempt is recorded
	// INFRASTRUCTURE_ERROR and retried as the node's retry policy says.
	// Workers heartbeat several times per timeout. Default 10s.
	HeartbeatTimeout time.Duration

	// MaxPayloadBytes bounds what one Temporal payload may hold: a node's
	// activity input (the run's input and its upstream nodes' records),
	// a node's record (its output), and a run's result. Temporal's
	// default limit is 2 MiB per payload (limit.blobSize.error); a node
	// whose input or output is larger fails with an error naming it
	// instead. Default 2,000,000 bytes, under the server's limit with room
	// for a codec's overhead.
	MaxPayloadBytes int

	// ProgressInterval is how often a waiting run asks its workflow which
	// node attempts have ended, for live progress, logs and the HTTP API's
	// run records; negative: never (the run's records arrive when it
	// ends). Default 1s.
	ProgressInterval time.Duration
}

// Defaults.
const (
	defaultHostPort         = "127.0.0.1:7233"
	defaultNamespace        = "default"
	defaultTaskQueuePrefix  = "fluxly-"
	defaultHeartbeatTimeout = 10 * time.Second
	defaultMaxPayloadBytes  = 2_000_000
	defaultProgress         = time.Second
	minPayloadBytes         = 64 << 10
	maxTaskQueueLength      = 1000
)

// Use wires Temporal into an app: give it to fluxly.New. The app's runs
// are submitted to Temporal, and the app gets a `worker` command. Options
// are checked here: a bad one makes the app report it, naming the
// setting, and exit with status 2 before doing anything.
func Use(opts Options) fluxly.Option {
	return func(a *fluxly.App) error {
		if err := opts.check(); err != nil {
			return err
		}
		return fluxly.Use(&extension{app: a, opts: opts})(a)
	}
}

// check reports every problem with the options at once.
func (o *Options) check() error {
	var errs []error
	if q := o.TaskQueue; q != "" {
		switch {
		case strings.TrimSpace(q) != q:
			errs = append(errs, fmt.Errorf("temporal.Options.TaskQueue %q: leading or trailing spaces", q))
		case !utf8.ValidString(q):
			errs = append(errs, fmt.Errorf("temporal.Options.TaskQueue %q: not valid UTF-8", q))
		case len(q) > maxTaskQueueLength:
			errs = append(errs, fmt.Errorf("temporal.Options.TaskQueue: %d bytes, over Temporal's limit of %d", len(q), maxTaskQueueLength))
		}
	}
	if o.HeartbeatTimeout < 0 {
		errs = append(errs, fmt.Errorf("temporal.Options.HeartbeatTimeout %v: negative (0 means the default, %v)", o.HeartbeatTimeout, defaultHeartbeatTimeout))
	} else if o.HeartbeatTimeout > 0 && o.HeartbeatTimeout < 100*time.Millisecond {
		errs = append(errs, fmt.Errorf("temporal.Options.HeartbeatTimeout %v: under 100ms, shorter than a heartbeat's round trip", o.HeartbeatTimeout))
	}
	if o.MaxPayloadBytes < 0 {
		errs = append(errs, fmt.Errorf("temporal.Options.MaxPayloadBytes %d: negative (0 means the default, %d)", o.MaxPayloadBytes, defaultMaxPayloadBytes))
	} else if o.MaxPayloadBytes > 0 && o.MaxPayloadBytes < minPayloadBytes {
		errs = append(errs, fmt.Errorf("temporal.Options.MaxPayloadBytes %d: under %d, too small for a run's input and records", o.MaxPayloadBytes, minPayloadBytes))
	}
	if strings.TrimSpace(o.Client.HostPort) != o.Client.HostPort {
		errs = append(errs, fmt.Errorf("temporal.Options.Client.HostPort %q: leading or trailing spaces", o.Client.HostPort))
	}
	if strings.TrimSpace(o.Client.Namespace) != o.Client.Namespace {
		errs = append(errs, fmt.Errorf("temporal.Options.Client.Namespace %q: leading or trailing spaces", o.Client.Namespace))
	}
	return errors.Join(errs...)
}

// settings are the options with their defaults filled in for one app.
type settings struct {
	client           client.Options
	taskQueue        string
	worker           worker.Options
	heartbeatTimeout time.Duration
	maxPayload       int
	progress         time.Duration
}

func (o *Options) settings(app *command.App) settings {
	s := settings{client: o.Client, taskQueue: o.TaskQueue, worker: o.Worker,
		heartbeatTimeout: o.HeartbeatTimeout, maxPayload: o.MaxPayloadBytes, progress: o.ProgressInterval}
	if s.client.HostPort == "" {
		s.client.HostPort = defaultHostPort
	}
	if s.client.Namespace == "" {
		s.client.Namespace = defaultNamespace
	}
	if s.taskQueue == "" {
		s.taskQueue = defaultTaskQueuePrefix + app.Name
	}
	if s.heartbeatTimeout == 0 {
		s.heartbeatTimeout = defaultHeartbeatTimeout
	}
	if s.maxPayload == 0 {
		s.maxPayload = defaultMaxPayloadBytes
	}
	if s.progress == 0 {
		s.progress = defaultProgress
	}
	return s
}

// extension is what Use adds to the app: the worker command and the
// runner that submits runs.
type extension struct {
	app  *fluxly.App
	opts Options
	run  *runner
}

// Commands adds the worker command.
func (x *extension) Commands() []fluxly.Command { return []fluxly.Command{x.workerCommand()} }

// FluxlyRunner makes the app submit its runs to Temporal.
func (x *extension) FluxlyRunner() command.Runner {
	if x.run == nil {
		x.run = &runner{x: x}
	}
	return x.run
}

var _ fluxly.Extension = (*extension)(nil)

// appOf returns the built app behind the extension's *fluxly.App.
func (x *extension) appOf() (*command.App, error) {
	app, _, err := command.AppOf(x.app)
	return app, err
}
