"""`guestlist export`: the org's current state as guestlist YAML (docs/decisions/export.md).

read.py turns the org (reconciler/org/export_reads.py) into an export model (model.py); write.py turns the model
into deterministic YAML text. Neither writes to the org or prints: the command (reconciler/commands/export.py)
does the printing and the files.
"""
