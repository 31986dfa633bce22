package reconcile

// BuildPaymentIndex builds what Match builds from the payments alone, as Match does (for
// BenchmarkPaymentIndex).
func BuildPaymentIndex(pays []Payment) {
	opts := Options{}
	buildPaymentIndex(pays, &opts, workers(&opts) > 1 && len(pays) >= parallelFrom)
}

// Indexed is a payment index built once, for BenchmarkMatchIndexed.
type Indexed struct{ idx *paymentIndex }

// IndexPayments builds the payment index as Offline does while the statements are read.
func IndexPayments(pays []Payment) Indexed {
	opts := Options{}
	return Indexed{buildPaymentIndex(pays, &opts, workers(&opts) > 1 && len(pays) >= parallelFrom)}
}

// MatchIndexed is Match with the index built already, as Offline matches.
func (g *Engine) MatchIndexed(stmts []Statement, x Indexed) *Result {
	return g.matchIndexed(stmts, x.idx)
}
