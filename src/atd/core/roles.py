"""The roles a user can hold; one role per user."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CASE_OFFICER = "case_officer", _("Case officer")
    CONTRACTOR_SPECIALIST = "contractor_specialist", _("Contractor case specialist")
    SUPERVISOR = "supervisor", _("Supervisor")
    RECORDS_ANALYST = "records_analyst", _("Records analyst")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")
    PARTICIPANT = "participant", _("Participant")
    INTEGRATION = "integration", _("Integration client")


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
