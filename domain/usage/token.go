package usage

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/billingd/billingd/domain/errs"
)

// hourlyQuery is what an hourly_breakdown_query token says: which usage of
// which tenant it opens, over which whole hours. Upstream describes the
// token as base64-encoded JSON, so it stays readable JSON; the MAC makes it
// unforgeable, because the caller hands it back and we must not trust it.
type hourlyQuery struct {
	Version   int    `json:"v"`
	TenantID  string `json:"tenant"`
	Namespace string `json:"namespace"`
	Object    string `json:"object"`
	UsageType string `json:"usage_type"`
	From      int64  `json:"from"` // unix seconds, on the hour
	To        int64  `json:"to"`   // unix seconds, on the hour, exclusive
}

// signedQuery is the token on the wire: the query and its MAC, as hex.
type signedQuery struct {
	hourlyQuery
	MAC string `json:"mac"`
}

const hourlyQueryVersion = 1

// maxQueryTokenLen bounds what is decoded before the MAC is checked, so an
// oversized string costs nothing.
const maxQueryTokenLen = 4096

// errBadQuery is the one answer to any token that is not ours, whatever is
// wrong with it: saying more (bad MAC, other tenant) would help a forger.
func errBadQuery() error {
	return &errs.Error{Kind: errs.Invalid, Message: "invalid request", Fields: []errs.FieldError{{
		Field: "query", Problem: "hourly_breakdown_query is not a token this server issued"}}}
}

// queryMAC signs the canonical JSON of q (encoding/json writes struct fields in
// declaration order, so the bytes are stable).
func queryMAC(key []byte, q hourlyQuery) []byte {
	b, _ := json.Marshal(q) // a struct of strings and ints always marshals
	m := hmac.New(sha256.New, key)
	m.Write([]byte("billingd/hourly_breakdown_query\x00"))
	m.Write(b)
	return m.Sum(nil)
}

// encodeQuery issues the token for q.
func encodeQuery(key []byte, q hourlyQuery) string {
	q.Version = hourlyQueryVersion
	b, _ := json.Marshal(signedQuery{hourlyQuery: q, MAC: hex.EncodeToString(queryMAC(key, q))})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeQuery returns the query of a token this server issued, or
// errBadQuery. Padded and standard base64 are accepted too, since clients
// may re-encode what they were given.
func decodeQuery(key []byte, token string) (hourlyQuery, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > maxQueryTokenLen {
		return hourlyQuery{}, errBadQuery()
	}
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if raw, err = enc.DecodeString(token); err == nil {
			break
		}
	}
	if err != nil {
		return hourlyQuery{}, errBadQuery()
	}
	var sq signedQuery
	if json.Unmarshal(raw, &sq) != nil || sq.Version != hourlyQueryVersion {
		return hourlyQuery{}, errBadQuery()
	}
	got, err := hex.DecodeString(sq.MAC)
	if err != nil || !hmac.Equal(got, queryMAC(key, sq.hourlyQuery)) {
		return hourlyQuery{}, errBadQuery()
	}
	q := sq.hourlyQuery
	// A MAC-valid token was built by encodeQuery, so these hold; checking
	// them anyway keeps a leaked key from turning into huge scans.
	if q.From%3600 != 0 || q.To%3600 != 0 || q.To < q.From || time.Duration(q.To-q.From)*time.Second > MaxReportRange {
		return hourlyQuery{}, errBadQuery()
	}
	return q, nil
}
