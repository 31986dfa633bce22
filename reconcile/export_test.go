package reconcile

// BuildPaymentIndex builds what Match builds from the payments alone, as Match does (for
// BenchmarkPaymentIndex).
func BuildPaymentIndex(pays []Payment) {
	opts := Options{}
	buildPaymentIndex(pays, &opts, workers(&opts) > 1 && len(pays) >= parallelFrom)
}
