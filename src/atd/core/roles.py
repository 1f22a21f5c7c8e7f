"""The roles a user can hold; one role per user."""

from django.db import models


class Role(models.TextChoices):
    CASE_OFFICER = "case_officer", "Case officer"
    CONTRACTOR_SPECIALIST = "contractor_specialist", "Contractor case specialist"
    SUPERVISOR = "supervisor", "Supervisor"
    RECORDS_ANALYST = "records_analyst", "Records analyst"
    AUDITOR = "auditor", "Auditor"
    ADMIN = "admin", "Administrator"
    PARTICIPANT = "participant", "Participant"
    INTEGRATION = "integration", "Integration client"


STAFF_ROLES = frozenset(
    {
        Role.CASE_OFFICER,
        Role.CONTRACTOR_SPECIALIST,
        Role.SUPERVISOR,
        Role.RECORDS_ANALYST,
        Role.AUDITOR,
        Role.ADMIN,
    }
)
CASELOAD_ROLES = frozenset({Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST})
