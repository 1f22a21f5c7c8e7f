"""Alert rules, lifecycle, SLA and escalation, notifications."""
