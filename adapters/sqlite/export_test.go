package sqlite

// GroupCommits returns how many transactions the store's writer has run and how many writes they
// held.
func GroupCommits(s *Store) (groups, writes int64) {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.w.groups, s.w.writes
}
