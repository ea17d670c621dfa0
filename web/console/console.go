// Package console serves the billingd web console: a single-page app built
// from web/console/src with Vite (npm run build) and committed in dist/,
// like the generated GraphQL code. It uses only the public GraphQL API (and
// the invoice PDF route), so it is a first client of that API.
//
// The handler serves dist/ under /console/ with a Content-Security-Policy
// that allows nothing but this origin: the console loads nothing from the
// internet. Every path that is not a file answers index.html, so deep links
// and reloads work (the app routes in the browser).
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed all:dist
var dist embed.FS

// Prefix is where billingd serves the console.
const Prefix = "/console/"

// CSP: scripts, styles, fonts and connections from this origin only; images
// also as data: (the empty favicon) and blob: (nothing yet, cheap to allow);
// no framing, no plugins, no base rewriting.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; " +
	"connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

type handler struct {
	files fs.FS
	index []byte
	etag  string
}

// Handler serves the embedded console; mount it at Prefix (and at the
// bare "/console", which it redirects).
func Handler() http.Handler {
	files, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed pattern guarantees dist/
	}
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		panic("console: dist/index.html missing; run `make console`: " + err.Error())
	}
	sum := sha256.Sum256(index)
	return &handler{files: files, index: index, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == strings.TrimSuffix(Prefix, "/") {
		http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
		return
	}
	rel := strings.TrimPrefix(path.Clean(r.URL.Path), Prefix)
	if strings.HasPrefix(rel, "assets/") {
		// Content-hashed names: a file never changes under its name.
		b, err := fs.ReadFile(h.files, rel)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
		http.ServeContent(w, r, rel, time.Time{}, bytes.NewReader(b))
		return
	}
	// index.html for every other path (the app's routes); revalidated
	// each time so a new binary's console is picked up at once.
	hd.Set("Cache-Control", "no-cache")
	hd.Set("ETag", h.etag)
	hd.Set("Content-Type", "text/html; charset=utf-8")
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(h.index))
}
