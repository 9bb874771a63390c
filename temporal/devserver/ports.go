package devserver

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
)

// ports are the gRPC ports of the four services and the frontend's HTTP
// port, all on host.
type ports struct {
	frontend, history, matching, worker int
	http                                int
}

func (ports) address(port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }

// pickPorts keeps the frontend port if one was asked for and picks free ports
// for the rest. A picked port is only free when picked: Start retries when the
// server then fails to bind it.
func pickPorts(frontend int) (ports, error) {
	p := ports{frontend: frontend}
	for _, port := range []*int{&p.frontend, &p.history, &p.matching, &p.worker, &p.http} {
		if *port != 0 {
			continue
		}
		free, err := freePort()
		if err != nil {
			return ports{}, err
		}
		*port = free
	}
	return p, nil
}

// frontendTaken reports whether err says the frontend's own port was in use.
func (p ports) frontendTaken(err error) bool {
	var op *net.OpError
	if !errors.As(err, &op) {
		return false
	}
	addr, ok := op.Addr.(*net.TCPAddr)
	return ok && addr.Port == p.frontend
}

// freePort asks the kernel for a free port on host.
//
// Before the port is handed out, a connection to it is accepted and closed
// from the listening side, which leaves the port in TIME_WAIT: Linux then
// gives it to no other bind(:0) for a while (60 s), while the server can
// still bind it, since Go sets SO_REUSEADDR on listeners. The same trick is
// in the Temporal CLI's devserver.
func freePort() (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("devserver: pick a free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	addr := l.Addr().(*net.TCPAddr)
	c, err := net.DialTCP("tcp", nil, addr)
	if err != nil {
		return 0, fmt.Errorf("devserver: pick a free port: %w", err)
	}
	defer func() { _ = c.Close() }()
	s, err := l.Accept()
	if err != nil {
		return 0, fmt.Errorf("devserver: pick a free port: %w", err)
	}
	_ = s.Close() // the side that closes first keeps TIME_WAIT
	return addr.Port, nil
}

func isAddrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }
