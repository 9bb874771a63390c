// Package envopts reads the Temporal options of this module's commands
// from the environment, with the Temporal CLI's variable names where it
// has them.
package envopts

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/fluxly-go/fluxly/temporal"
)

// Variables read by Options.
const (
	Address          = "TEMPORAL_ADDRESS"    // host:port of the frontend
	Namespace        = "TEMPORAL_NAMESPACE"  // namespace
	APIKey           = "TEMPORAL_API_KEY"    // API key (turns TLS on)
	TaskQueue        = "TEMPORAL_TASK_QUEUE" // task queue
	HeartbeatTimeout = "FLUXLY_TEMPORAL_HEARTBEAT_TIMEOUT"
	MaxPayloadBytes  = "FLUXLY_TEMPORAL_MAX_PAYLOAD_BYTES"
)

// Options reads the options from getenv; a value that does not parse is
// an error naming its variable.
func Options(getenv func(string) string) (temporal.Options, error) {
	opts := temporal.Options{
		Client:    client.Options{HostPort: getenv(Address), Namespace: getenv(Namespace)},
		TaskQueue: getenv(TaskQueue),
	}
	if key := getenv(APIKey); key != "" {
		opts.Client.Credentials = client.NewAPIKeyStaticCredentials(key)
	}
	var errs []error
	if v := getenv(HeartbeatTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", HeartbeatTimeout, v, err))
		}
		opts.HeartbeatTimeout = d
	}
	if v := getenv(MaxPayloadBytes); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", MaxPayloadBytes, v, err))
		}
		opts.MaxPayloadBytes = n
	}
	return opts, errors.Join(errs...)
}
