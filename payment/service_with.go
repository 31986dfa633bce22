package payment

// WithStore returns a Service with the same options (clock, ids, publisher, rails) on another store.
// Package batch uses it to validate a batch through a store that reads the workspace and its accounts
// once per batch instead of once per item.
func (s *Service) WithStore(store Store) *Service {
	return &Service{store: store, opts: s.opts, refs: &refCache{store: store}}
}
