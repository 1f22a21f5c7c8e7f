"""Demo steps of court, reviews and reporting seed cleanly (twice), and the CLI reproduces."""

from __future__ import annotations

import io

from django.core.management import call_command

from atd.court.demo import court_demo_seed
from atd.court.models import Hearing, Notice
from atd.reporting.demo import reporting_demo_seed
from atd.reporting.models import Cohort, GeneratedReport
from atd.reviews.demo import reviews_demo_seed
from atd.reviews.models import ReviewRequest
from atd.testing.world import World


def test_demo_steps_seed_and_are_safe_to_run_again(world: World) -> None:
    for _ in range(2):
        court_demo_seed({})
        reviews_demo_seed({})
        reporting_demo_seed({})
    assert Notice.objects.filter(kind="nta").count() == 3
    assert Hearing.objects.exists()
    assert ReviewRequest.objects.count() == 3
    assert Cohort.objects.count() == 2
    assert GeneratedReport.objects.count() == 1


def test_cli_reproduces_a_filed_report(world: World) -> None:
    reporting_demo_seed({})
    filed = GeneratedReport.objects.get()
    out = io.StringIO()
    call_command(
        "cohort_report",
        cohort=filed.cohort_id,
        as_of=filed.parameters["as_of"],
        known_at=filed.parameters["known_at"],
        stdout=out,
    )
    assert f"sha256={filed.content_sha256}" in out.getvalue()
    assert f"reproduces report {filed.pk}: yes" in out.getvalue()
