"""The officer web app: caseload, alert queue, participant page."""
