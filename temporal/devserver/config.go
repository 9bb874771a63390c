package devserver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
)

const (
	clusterName = "active"
	storeName   = "sqlite-default"
)

// store is the SQLite database, with its schema and namespace in place.
type store struct {
	sql *config.SQL
}

// openStore prepares the database before the server starts, as start-dev
// does: the schema for a new file (the SQLite plugin sets up an in-memory
// database by itself), then the namespace, which CreateNamespaces leaves
// alone when it already exists.
func openStore(file, namespace string) (*store, error) {
	sql := &config.SQL{PluginName: sqliteplugin.PluginName}
	if file == "" {
		// A named in-memory database shared by the server's connections; the
		// plugin keeps it open for the life of the process.
		sql.DatabaseName = "fluxly-dev-" + uuid.NewString()
		sql.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
	} else {
		if strings.ContainsAny(file, "?#") {
			return nil, fmt.Errorf("devserver: database file %q: the name may not contain ? or #", file)
		}
		sql.DatabaseName = file
		// WAL and synchronous=normal: about 3× the workflow throughput of
		// SQLite's defaults on a file (see the module README).
		sql.ConnectAttributes = map[string]string{"mode": "rwc", "journal_mode": "wal", "synchronous": "normal"}
		isNew, err := newFile(file)
		if err != nil {
			return nil, err
		}
		if isNew {
			if err := sqliteschema.SetupSchema(sql); err != nil {
				_ = os.Remove(file)
				return nil, fmt.Errorf("devserver: set up the schema in %s: %w", file, err)
			}
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, namespace, false, nil)
	if err != nil {
		return nil, fmt.Errorf("devserver: namespace %q: %w", namespace, err)
	}
	if err := sqliteschema.CreateNamespaces(sql, ns); err != nil {
		return nil, fmt.Errorf("devserver: create namespace %q: %w", namespace, err)
	}
	return &store{sql: sql}, nil
}

// newFile reports whether the database file has yet to be set up: it does not
// exist, or it is empty (as os.CreateTemp leaves it).
func newFile(file string) (bool, error) {
	info, err := os.Stat(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Stat(filepath.Dir(file)); err != nil {
			return false, fmt.Errorf("devserver: database file %s: %w", file, err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("devserver: database file: %w", err)
	case info.IsDir():
		return false, fmt.Errorf("devserver: database file %s is a directory", file)
	}
	return info.Size() == 0, nil
}

// serverOptions is start-dev's configuration: every service on host, one
// history shard, static membership and a static dynamic config.
func serverOptions(p ports, s *store, logger *serverLogger) []temporal.ServerOption {
	hosts := map[primitives.ServiceName]static.Hosts{
		primitives.FrontendService: static.SingleLocalHost(p.address(p.frontend)),
		primitives.HistoryService:  static.SingleLocalHost(p.address(p.history)),
		primitives.MatchingService: static.SingleLocalHost(p.address(p.matching)),
		primitives.WorkerService:   static.SingleLocalHost(p.address(p.worker)),
	}
	return []temporal.ServerOption{
		temporal.WithConfig(serverConfig(p, s)),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	}
}

func serverConfig(p ports, s *store) *config.Config {
	var c config.Config
	c.Global.Membership.MaxJoinDuration = 30 * time.Second
	c.Global.Membership.BroadcastAddress = host

	c.Persistence.DefaultStore = storeName
	c.Persistence.VisibilityStore = storeName
	c.Persistence.NumHistoryShards = 1
	c.Persistence.DataStores = map[string]config.DataStore{storeName: {SQL: s.sql}}

	c.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             p.address(p.frontend),
				HTTPAddress:            p.address(p.http),
				// Used when the database is new; an existing one keeps the id
				// it was given.
				ClusterID: uuid.NewString(),
			},
		},
	}
	c.DCRedirectionPolicy.Policy = "noop"
	c.Services = map[string]config.Service{
		string(primitives.FrontendService): frontend(p),
		string(primitives.HistoryService):  service(p.history),
		string(primitives.MatchingService): service(p.matching),
		string(primitives.WorkerService):   service(p.worker),
	}
	c.Archival.History.State = "disabled"
	c.Archival.Visibility.State = "disabled"
	c.NamespaceDefaults.Archival.History.State = "disabled"
	c.NamespaceDefaults.Archival.Visibility.State = "disabled"
	c.PublicClient.HostPort = p.address(p.frontend)
	return &c
}

// frontend also serves the HTTP API, which nothing here uses, but without
// which the server warns at every start that Nexus is off.
func frontend(p ports) config.Service {
	s := service(p.frontend)
	s.RPC.HTTPPort = p.http
	return s
}

func service(port int) config.Service {
	var s config.Service
	s.RPC.GRPCPort = port
	s.RPC.BindOnIP = host
	return s
}

// dynamicConfig holds start-dev's defaults for a single small host, and
// faster timers.
func dynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// The default host-level mutable state cache (128k entries) is
		// sized for production hosts.
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): 8096,
		// Visibility calls (list, count) from tools and tests.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// New search attributes visible at once, and the persistence rate
		// limits raised to pay for the reads that costs.
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): true,
		dynamicconfig.FrontendPersistenceMaxQPS.Key():               10000,
		dynamicconfig.HistoryPersistenceMaxQPS.Key():                45000,
		// Not from start-dev. Timers (activity retries among them) fire
		// no sooner than this after they are created, 1 s by default: an
		// activity retried with a 50 ms initial interval waited ~1 s per
		// attempt, ~100 ms with this. Idle CPU is the same (~0.3%).
		dynamicconfig.TimerProcessorMaxTimeShift.Key(): 100 * time.Millisecond,
	}
}
