package devserver

import (
	"fmt"
	"net"
	"strconv"
	"testing"

	"go.temporal.io/server/common/log/tag"
)

func TestFreePortCanBeBound(t *testing.T) {
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	// The port sits in TIME_WAIT; the server must still be able to bind it.
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("bind the picked port: %v", err)
	}
	_ = l.Close()
}

// Start retries when a picked port was taken, except for a frontend port
// that was asked for: it reads the bind error the way the server reports it,
// through a Fatal log call.
func TestBindErrors(t *testing.T) {
	taken, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	_, bindErr := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if bindErr == nil {
		t.Fatal("bound a taken port")
	}
	logged := fmt.Errorf("failed to start service frontend: %w", newFatalError("Failed to start gRPC listener", []tag.Tag{tag.Error(bindErr)}))

	if !isAddrInUse(logged) {
		t.Errorf("isAddrInUse(%v) = false", logged)
	}
	if !(ports{frontend: port}).frontendTaken(logged) {
		t.Errorf("frontendTaken: the frontend's port %d not recognised", port)
	}
	if (ports{frontend: port + 1, history: port}).frontendTaken(logged) {
		t.Errorf("frontendTaken: another service's port taken for the frontend's")
	}
}
