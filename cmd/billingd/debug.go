package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// pprofHandler serves Go's profiles; startSideListener puts it on its own
// address, never on the public one, so profiles are only reachable where
// the operator chose.
func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// startSideListener serves h on addr, beside the public listener (pprof,
// metrics). It listens before returning, so a taken address fails the start
// instead of going unnoticed; the server then runs until the process ends.
func startSideListener(what, addr string, h http.Handler, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s listener on %s: %w", what, addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	log.Info(what+" listening", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil {
			log.Error(what+" server stopped", "err", err)
		}
	}()
	return nil
}
