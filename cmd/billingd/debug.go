package main

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"
)

// startDebug serves pprof on its own listener, never on the public address,
// so profiles are only reachable where the operator chose.
func startDebug(addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		log.Info("pprof listening", "addr", addr)
		if err := srv.ListenAndServe(); err != nil {
			log.Error("pprof server stopped", "err", err)
		}
	}()
}
