"""Review and de-escalation requests, decisions and appeals."""
