package tenancy

// RevocationAnnouncer tells the other processes serving the same database
// that a credential (token or certificate id) was revoked, so that they
// drop it from their authentication caches at once instead of when the
// cached entry expires. It is called after the revocation committed, and
// reports its own failures: the revocation stands either way.
type RevocationAnnouncer interface {
	AnnounceRevocation(id string)
}

// ForgetRevoked drops the cached authentications of credential id, revoked
// by another process. It announces nothing.
func (s *Service) ForgetRevoked(id string) {
	s.mu.Lock()
	for h, c := range s.cache {
		if c.p.TokenID == id {
			delete(s.cache, h)
		}
	}
	s.mu.Unlock()
}

// ForgetCached drops every cached authentication: the next request of each
// credential reads the database again. A process calls it when it may have
// missed revocations (its revocation listener reconnected).
func (s *Service) ForgetCached() {
	s.mu.Lock()
	if s.cache != nil {
		s.cache = map[string]cachedPrincipal{}
	}
	s.mu.Unlock()
}
