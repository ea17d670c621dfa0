package httpmw

import (
	"context"
	"crypto/x509"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/prometheus/client_golang/prometheus"
)

// Authenticator turns an Authorization header into the caller, and applies
// the tenant a request names (tenancy.TenantHeader) to it: an operator
// token acts on that tenant, a tenant's token may only name its own.
type Authenticator interface {
	Authenticate(ctx context.Context, header string) (tenancy.Principal, error)
	ActOnTenant(ctx context.Context, p tenancy.Principal, tenant string) (tenancy.Principal, error)
}

// CertificateAuthenticator is an Authenticator that also accepts API
// certificates: the client certificate of a mutual-TLS connection (already
// verified by the handshake) becomes the caller of its credential.
type CertificateAuthenticator interface {
	AuthenticateCertificate(ctx context.Context, cert *x509.Certificate) (tenancy.Principal, error)
}

// authenticate finds the caller: the Authorization header when there is
// one (unchanged, whatever the connection), else the client certificate of
// a TLS connection when a has CertificateAuthenticator.
func authenticate(a Authenticator, r *http.Request) (tenancy.Principal, error) {
	header := r.Header.Get("Authorization")
	if header == "" && r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		if ca, ok := a.(CertificateAuthenticator); ok {
			return ca.AuthenticateCertificate(r.Context(), r.TLS.PeerCertificates[0])
		}
	}
	return a.Authenticate(r.Context(), header)
}

// Metrics are the Prometheus series of the HTTP layer.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP series on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "billingd_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "billingd_http_request_duration_seconds", Help: "HTTP request latency by route and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "status"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// reqInfo travels in the context so the outer log line can name the tenant
// that the inner auth step found.
type reqInfo struct {
	route  string
	tenant string
}

type reqInfoKey struct{}

// RouteName is the route Instrument labels r with ("" outside it).
func RouteName(r *http.Request) string {
	if ri, ok := r.Context().Value(reqInfoKey{}).(*reqInfo); ok {
		return ri.route
	}
	return ""
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Flush lets streaming handlers (none today) pass through.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Instrument wraps h with panic recovery, one structured log line per
// request (route, status, duration, tenant; never a token) and metrics.
func Instrument(route string, log *slog.Logger, m *Metrics, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elapsed := kernel.Stopwatch()
		ri := &reqInfo{route: route}
		r = r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, ri))
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(r.Context(), "panic", "route", route, "panic", p, "stack", string(debug.Stack()))
				if rec.status == 0 {
					WriteError(rec, r, log, errs.New(errs.Internal, "internal error"))
				}
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			d := elapsed()
			if m != nil {
				code := strconv.Itoa(status)
				m.requests.WithLabelValues(route, code).Inc()
				m.latency.WithLabelValues(route, code).Observe(d.Seconds())
			}
			log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("route", route), slog.String("method", r.Method),
				slog.Int("status", status), slog.Duration("duration", d), slog.String("tenant", ri.tenant))
		}()
		h.ServeHTTP(rec, r)
	})
}

// RequireAuth rejects requests without a valid token (or, with no
// Authorization header, API certificate) and puts the caller in the
// context. An operator token names the tenant it acts on with the
// tenancy.TenantHeader header (once); without it the caller has no tenant
// and only tenant-less operations (deciding a plan transition by id)
// succeed, the others answer 400 naming the header.
func RequireAuth(a Authenticator, log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := authenticate(a, r)
		if err == nil {
			tenants := r.Header.Values(tenancy.TenantHeader)
			switch len(tenants) {
			case 0:
			case 1:
				p, err = a.ActOnTenant(r.Context(), p, tenants[0])
			default:
				var f errs.Fields
				f.Add(tenancy.TenantHeader, "must be sent once")
				err = f.Err()
			}
		}
		if err != nil {
			if errs.KindOf(err) == errs.Unauthenticated {
				w.Header().Set("WWW-Authenticate", `APIToken realm="billingd"`)
			}
			WriteError(w, r, log, err)
			return
		}
		if ri, ok := r.Context().Value(reqInfoKey{}).(*reqInfo); ok {
			ri.tenant = p.TenantName
		}
		h.ServeHTTP(w, r.WithContext(tenancy.WithPrincipal(r.Context(), p)))
	})
}

// LimitBody caps request bodies at n bytes.
func LimitBody(n int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, n)
		h.ServeHTTP(w, r)
	})
}
