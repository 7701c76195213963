"""`guestlist apply`: the Plan -> batched API writes -> results, journal and read-back.

steps (changes -> batches of one sObject and operation, <= 200 records, dependency order), execute (runs the
batches through org/writes.py, feeds created ids forward, skips dependents of failures), lookup (never twice:
natural-key lookups), gates (safety gates), stale (is a saved plan still true), converge (read-back), explain
(error codes in plain language), journal, report; reconciler/commands/apply.py orders them (the command).
See docs/decisions/apply-safety.md.
"""
