package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dezura/dezura/ledger/spool"
	"github.com/dezura/dezura/sip"
)

// readyProbeTimeout bounds the store check of /readyz.
const readyProbeTimeout = 2 * time.Second

// pinger is a database /readyz asks whether it answers (ledger.DB).
type pinger interface {
	Ping(ctx context.Context) error
}

// httpTargets is what the HTTP endpoints report on.
type httpTargets struct {
	SIP     *sip.Server
	Store   pinger       // probed by /readyz
	Spool   *spool.Spool // its depth on /metrics; nil without one
	Metrics *serviceMetrics
	Trunk   trunkStatus // nil: /readyz does not ask the trunk (no --ready-needs-trunk)
}

// httpServer serves /metrics, /healthz and /readyz (--http).
type httpServer struct {
	srv  *http.Server
	addr net.Addr
	done chan error
}

// startHTTP listens on addr and serves the operator endpoints:
//
//	/metrics  Prometheus text format
//	/healthz  200 while the process runs
//	/readyz   200 when SIP listens, the server is not draining, the
//	          store answers and (with t.Trunk) the trunk holds our
//	          registration; 503 with the reason otherwise
//
// It registers the SIP, store and readiness collectors with t.Metrics.
func startHTTP(addr string, t httpTargets, logger *slog.Logger) (*httpServer, error) {
	if t.SIP == nil || t.Store == nil || t.Metrics == nil {
		return nil, errors.New("start HTTP: SIP server, store and metrics are all needed")
	}
	t.Metrics.watchSIP(t.SIP)
	t.Metrics.watchSpool(t.Spool)
	isReady := func(ctx context.Context) error {
		err := ready(ctx, t.SIP, t.Store)
		if err == nil && t.Trunk != nil {
			err = trunkReady(t.Trunk)
		}
		return err
	}
	t.Metrics.watchReady(isReady)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(t.Metrics.reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := isReady(r.Context()); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready:", err)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return listenHTTP("--http", addr, mux, logger)
}

// listenHTTP serves handler on addr (named by flag in errors) until Close.
func listenHTTP(flag, addr string, handler http.Handler, logger *slog.Logger) (*httpServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", flag, addr, err)
	}
	h := &httpServer{
		srv: &http.Server{
			Handler:           handler,
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		},
		addr: ln.Addr(),
		done: make(chan error, 1),
	}
	go func() {
		err := h.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		h.done <- err
	}()
	logger.Info("HTTP listening", "flag", flag, "addr", h.addr.String())
	return h, nil
}

// Addr is the address the endpoints listen on (port 0 resolved).
func (h *httpServer) Addr() net.Addr { return h.addr }

// Close stops the HTTP server, letting requests in progress finish until
// ctx ends, and waits for its goroutine.
func (h *httpServer) Close(ctx context.Context) error {
	err := h.srv.Shutdown(ctx)
	if err != nil {
		_ = h.srv.Close()
	}
	if serr := <-h.done; serr != nil && err == nil {
		err = serr
	}
	return err
}

// Readiness errors, as /readyz reports them.
var (
	errSIPNotListening = errors.New("SIP is not listening yet")
	errDraining        = errors.New("draining: not taking new calls")
)

// ready checks that srv takes calls and store answers.
func ready(ctx context.Context, srv *sip.Server, store pinger) error {
	select {
	case <-srv.Ready():
	default:
		return errSIPNotListening
	}
	if srv.Draining() {
		return errDraining
	}
	ctx, cancel := context.WithTimeout(ctx, readyProbeTimeout)
	defer cancel()
	if err := store.Ping(ctx); err != nil {
		return fmt.Errorf("store does not answer: %w", err)
	}
	return nil
}
