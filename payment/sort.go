package payment

import "slices"

func sortCurrencies(cs []Currency) { slices.Sort(cs) }
