"""Talking to an org: connect (sandbox or real), observe (one snapshot), and batched writes."""
