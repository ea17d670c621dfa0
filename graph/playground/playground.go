// Package playground serves the GraphiQL page of billingd with its
// JavaScript and CSS embedded in the binary (graphiql 3.8.3, react 18.3.1:
// their UMD builds, MIT, see assets/LICENSES.txt), so it works with no
// internet access. The API token is typed into the page and kept in its
// memory only: nothing is written to localStorage.
package playground

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed index.html
var indexHTML string

//go:embed assets
var assets embed.FS

var page = template.Must(template.New("playground").Parse(indexHTML))

// Handler serves the page at prefix and its assets under prefix+"/assets/",
// pointed at the GraphQL endpoint.
func Handler(prefix, endpoint string) http.Handler {
	sub, _ := fs.Sub(assets, "assets") // the embedded folder exists
	files := http.StripPrefix(prefix+"/assets/", http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if strings.HasPrefix(r.URL.Path, prefix+"/assets/") {
			// The file names carry their versions: a change is a new name.
			w.Header().Set("Cache-Control", "public, max-age=86400")
			files.ServeHTTP(w, r)
			return
		}
		if r.URL.Path != prefix {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The page loads nothing from elsewhere and talks to this server only.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:")
		_ = page.Execute(w, struct{ Assets, Endpoint string }{prefix + "/assets", endpoint})
	})
}
