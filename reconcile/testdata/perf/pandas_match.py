"""The pandas baseline of the reconciliation benchmark: what a user would write with pandas on the
same files (shared/specs/perf-floor.md, appendix): read both CSVs, merge on the reference and keep
rows whose amount and currency agree, then match the rest on (amount, currency, value date).

Run it with Debian's system interpreter (python3-pandas), not a pyenv python without pandas:

    /usr/bin/python3 reconcile/testdata/perf/pandas_match.py /tmp/orkesta-perf-1000000
"""
import sys
import time

import pandas as pd

d = sys.argv[1]
t0 = time.time()
stmt = pd.read_csv(f"{d}/statement.csv", dtype={"reference": str})
pays = pd.read_csv(f"{d}/payments.csv", dtype={"reference": str})
stmt["line_no"] = range(len(stmt))
stmt["amount_minor"] = (stmt["amount"] * 100).round().astype("int64")
t1 = time.time()
m = stmt.merge(pays, on="reference", how="inner", suffixes=("_s", "_p"))
m = m[(m.amount_minor == m.amount_p) & (m.currency_s == m.currency_p)].drop_duplicates("line_no")
rest = stmt[~stmt.line_no.isin(m.line_no)]
f = rest.merge(pays, left_on=["amount_minor", "currency", "value_date"],
               right_on=["amount", "currency", "value_date"], how="inner").drop_duplicates("line_no")
t2 = time.time()
print(f"pandas: read {t1 - t0:.2f}s, match {t2 - t1:.2f}s; {len(m)} lines by reference, "
      f"{len(f)} more by amount, currency and date", file=sys.stderr)
