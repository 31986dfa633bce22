// Package detect picks a statement decoder by looking at a file's content, never at its name:
// Sniff names the format from the first bytes, and Decode runs reconcile/mt940, reconcile/camt053,
// reconcile/bai2, reconcile/csv or reconcile/xlsx accordingly.
//
// It is the one place that imports every decoder, so that the reconciliation engine (package
// reconcile) imports none: commands and services call detect, the engine receives statements.
// Files in no known format (an HTML page saved as .xls, a legacy binary workbook, a PDF) fail with
// one error that matches reconcile.ErrNotStatement and says what the file looks like.
//
// CSV and XLSX exports are read with the first column mapping whose columns their header names: the
// caller's own (Options.CSV.Mappings, Options.XLSX.Mappings), then the built-in presets.
// Options.UseMapping chooses one by name instead, for an export more than one mapping would read;
// each statement's Mapping says which one did.
package detect
