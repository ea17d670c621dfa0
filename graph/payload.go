package graph

import (
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/graph/model"
)

// Mutations answer payloads with userErrors (item 2 of issue 13): an error
// that is the caller's (bad input, not found, conflict, forbidden, over
// quota, too large) becomes user errors of that mutation's payload, so the
// other mutations of the request and their answers stand. Anything else
// (unavailable, internal) stays an error: it nulls that payload alone
// (payload fields are nullable) and the presenter logs and hides it.

// userErrorKinds are the kinds reported as user errors.
var userErrorKinds = map[errs.Kind]bool{
	errs.Invalid:         true,
	errs.NotFound:        true,
	errs.Conflict:        true,
	errs.Forbidden:       true,
	errs.Unauthenticated: true,
	errs.QuotaExceeded:   true,
	errs.TooLarge:        true,
	errs.RateLimited:     true,
}

// userErrors splits err: the user errors when it is the caller's fault
// (one per bad field, else one for the whole request), or err itself to be
// returned as a GraphQL error. A nil err gives an empty list.
func userErrors(err error) ([]model.UserError, error) {
	if err == nil {
		return []model.UserError{}, nil
	}
	de := errs.As(err)
	if !userErrorKinds[de.Kind] {
		return nil, err
	}
	code := model.ErrorCode(CodeOf(de.Kind))
	if len(de.Fields) == 0 {
		return []model.UserError{{Message: de.PublicMessage(), Code: code}}, nil
	}
	out := make([]model.UserError, len(de.Fields))
	for i, f := range de.Fields {
		field := f.Field
		out[i] = model.UserError{Field: &field, Message: f.Problem, Code: code}
	}
	return out, nil
}

// exceededKeys maps the details of a QUOTA_EXCEEDED error (the keys a
// reservation did not fit); empty for any other error.
func exceededKeys(err error) []model.QuotaExceededKey {
	out := []model.QuotaExceededKey{}
	if err == nil {
		return out
	}
	ds, _ := errs.As(err).Details.([]quota.Exceeded)
	for _, d := range ds {
		k := model.QuotaExceededKey{Class: quotaClasses[d.Class], Key: d.Key, Scope: model.QuotaScopeNamespace,
			Limit: d.Limit, Current: model.Decimal(d.Current), Requested: model.Decimal(d.Requested)}
		if d.Scope == quota.ScopeTenant {
			k.Scope = model.QuotaScopeTenant
		}
		if d.RetryAfterSeconds > 0 {
			s := d.RetryAfterSeconds
			k.RetryAfterSeconds = &s
		}
		out = append(out, k)
	}
	return out
}
