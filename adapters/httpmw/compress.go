package httpmw

import (
	"net/http"

	"github.com/CAFxX/httpcompression"
	"github.com/CAFxX/httpcompression/contrib/andybalholm/brotli"
	"github.com/CAFxX/httpcompression/contrib/klauspost/gzip"
)

// CompressMinSize is the smallest answer worth compressing: below it the
// encoding's framing and the client's work cost more than the bytes saved.
const CompressMinSize = 1024

// brotliQuality is brotli's level for answers made on the fly: 4 compresses
// JSON about as well as gzip's best at gzip's default speed (11, the
// maximum, is for assets compressed once, and is 50-100 times slower).
const brotliQuality = 4

// Compress encodes answers of CompressMinSize bytes or more as brotli or
// gzip, whichever the client accepts, brotli first when it accepts both
// (browsers do). Answers that are
// already encoded, or to a Range request, pass as they are: a range's
// offsets count the plain bytes, which compressing would break.
func Compress(next http.Handler) (http.Handler, error) {
	br, err := brotli.New(brotli.Options{Quality: brotliQuality})
	if err != nil {
		return nil, err
	}
	gz, err := gzip.New(gzip.Options{Level: gzip.DefaultCompression})
	if err != nil {
		return nil, err
	}
	wrap, err := httpcompression.Adapter(
		httpcompression.BrotliCompressor(br),
		httpcompression.GzipCompressor(gz),
		httpcompression.MinSize(CompressMinSize),
		httpcompression.Prefer(httpcompression.PreferServer),
	)
	if err != nil {
		return nil, err
	}
	compressed := wrap(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") != "" {
			next.ServeHTTP(w, r)
			return
		}
		compressed.ServeHTTP(w, r)
	}), nil
}
