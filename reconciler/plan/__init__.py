"""The pure diff: desired state + org snapshot + today's date -> Plan (data), with blockers and summaries."""
