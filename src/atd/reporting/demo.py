"""Demo data for reporting: two saved cohorts and one filed status report."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from atd.core import clock
from atd.core.actors import SYSTEM
from atd.core.scope import Scope
from atd.reporting import rules, services
from atd.reporting.models import Cohort

ADMIN = Scope.system()


def reporting_demo_seed(ctx: dict[str, Any]) -> None:
    if Cohort.objects.exists():
        return
    everyone = services.cohort_save(
        actor=SYSTEM, scope=ADMIN, name="All releases", filters=rules.CohortFilters()
    )
    services.cohort_save(
        actor=SYSTEM,
        scope=ADMIN,
        name="Parole releases",
        description="Released on parole (court-ordered status reports)",
        filters=rules.CohortFilters(release_types=("parole",)),
    )
    services.report_generate(
        actor=SYSTEM, scope=ADMIN, cohort_id=everyone.pk, as_of=timezone.localdate(clock.now())
    )
