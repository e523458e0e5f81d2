"""Whether a bank statement proves itself complete (connectors/bank/completeness.py judges it)."""

COMPLETE = "complete"
BALANCE_MISMATCH = "balance_mismatch"
SUMMARY_MISMATCH = "summary_mismatch"
UNVERIFIABLE = "unverifiable"
NO_OPENING_BALANCE = "no_opening_balance"
STATEMENT_STATUSES = (COMPLETE, BALANCE_MISMATCH, SUMMARY_MISMATCH, UNVERIFIABLE, NO_OPENING_BALANCE)
