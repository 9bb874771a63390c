package envopts_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/temporal/internal/envopts"
)

func TestOptions(t *testing.T) {
	env := map[string]string{
		"TEMPORAL_ADDRESS": "10.0.0.1:7233", "TEMPORAL_NAMESPACE": "prod", "TEMPORAL_TASK_QUEUE": "shop",
		"TEMPORAL_API_KEY": "k", "FLUXLY_TEMPORAL_HEARTBEAT_TIMEOUT": "3s", "FLUXLY_TEMPORAL_MAX_PAYLOAD_BYTES": "100000",
	}
	opts, err := envopts.Options(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if opts.Client.HostPort != "10.0.0.1:7233" || opts.Client.Namespace != "prod" || opts.TaskQueue != "shop" ||
		opts.Client.Credentials == nil || opts.HeartbeatTimeout != 3*time.Second || opts.MaxPayloadBytes != 100000 {
		t.Errorf("%+v", opts)
	}
	_, err = envopts.Options(func(k string) string {
		return map[string]string{"FLUXLY_TEMPORAL_HEARTBEAT_TIMEOUT": "soon", "FLUXLY_TEMPORAL_MAX_PAYLOAD_BYTES": "2MB"}[k]
	})
	for _, want := range []string{`FLUXLY_TEMPORAL_HEARTBEAT_TIMEOUT="soon"`, `FLUXLY_TEMPORAL_MAX_PAYLOAD_BYTES="2MB"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %s in %v", want, err)
		}
	}
	if opts, err := envopts.Options(func(string) string { return "" }); err != nil || opts.Client.Credentials != nil {
		t.Errorf("empty environment: %+v %v", opts, err)
	}
}
