"""The cohort status report: as-of answers from history, reproducible bytes, exports."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from atd.core import clock
from atd.core.errors import Forbidden
from atd.core.scope import Scope
from atd.court import services as court
from atd.people import services as people
from atd.reporting import rules, selectors, services
from atd.testing.world import World, participant_with_case

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _admin(world: World) -> Scope:
    return Scope.for_user(world.user("admin"))


def _status(world: World, as_of: date, known_at: datetime, **filters: object) -> rules.CohortStatus:
    return selectors.cohort_status_compute(
        scope=_admin(world),
        filters=rules.CohortFilters.from_dict(filters),
        as_of=as_of,
        known_at=known_at,
    )


@pytest.fixture
def history(world: World) -> World:
    """officer_a: removed on 2026-04-10. specialist_a: active, compliant. office_b: pending,
    report-by deadline 2026-03-06 passed without a report."""
    admin = world.user("admin")
    scope = _admin(world)
    for case in world.cases.values():
        case.opened_at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        case.save(update_fields=["opened_at"])
    with clock.frozen_at(T0):
        c3 = world.cases["office_b"]
        c3.status = "pending_first_report"
        c3.save(update_fields=["status"])
        court.notice_issue(
            actor=admin, scope=scope, case_id=c3.pk, kind="ntr", issued_on=date(2026, 1, 5)
        )
        court.notice_issue(
            actor=admin,
            scope=scope,
            case_id=world.cases["officer_a"].pk,
            kind="nta",
            issued_on=date(2026, 1, 5),
            served_on=date(2026, 1, 10),
            service_method="personal",
        )
        court.notice_issue(
            actor=admin,
            scope=scope,
            case_id=world.cases["specialist_a"].pk,
            kind="nta",
            issued_on=date(2026, 1, 5),
        )
    with clock.frozen_at(datetime(2026, 4, 10, 15, 0, tzinfo=UTC)):
        court.legal_status_record(
            actor=admin,
            scope=scope,
            participant_id=world.participants["officer_a"].pk,
            status="removed",
            effective_on=date(2026, 4, 10),
        )
    return world


def test_status_before_and_after_a_removal(history: World) -> None:
    known = datetime(2026, 5, 1, tzinfo=UTC)
    before = _status(history, date(2026, 4, 1), known).by_category()
    after = _status(history, date(2026, 4, 30), known).by_category()
    assert before["removed"] == 0 and before["active_compliant"] == 2
    assert after["removed"] == 1 and after["active_compliant"] == 1
    assert before["whereabouts_unknown"] == after["whereabouts_unknown"] == 1


def test_awaiting_first_report_until_the_deadline_passes(history: World) -> None:
    known = datetime(2026, 5, 1, tzinfo=UTC)
    assert _status(history, date(2026, 3, 6), known).by_category()["awaiting_first_report"] == 1
    assert _status(history, date(2026, 3, 7), known).by_category()["whereabouts_unknown"] == 1


def test_notices_served_and_not_served_as_of(history: World) -> None:
    known = datetime(2026, 5, 1, tzinfo=UTC)
    assert _status(history, date(2026, 1, 8), known).by_notice() == {
        "served": 0,
        "not_served": 2,
        "none": 1,
    }
    assert _status(history, date(2026, 1, 10), known).by_notice()["served"] == 1


def test_case_closed_after_the_as_of_date_counts_as_it_was_then(history: World) -> None:
    """The case row now says closed; the report as of March reads the history instead."""
    history.cases["officer_a"].refresh_from_db()
    assert history.cases["officer_a"].status == "closed"
    march = _status(history, date(2026, 3, 15), datetime(2026, 6, 1, tzinfo=UTC))
    assert march.by_category()["removed"] == 0


def test_same_parameters_give_the_same_bytes_after_later_changes(history: World) -> None:
    known = datetime(2026, 5, 1, tzinfo=UTC)
    first = rules.cohort_status_csv(_status(history, date(2026, 4, 30), known))
    # Recorded later, effective earlier: a report filed before it was known does not change.
    with clock.frozen_at(datetime(2026, 5, 20, tzinfo=UTC)):
        court.legal_status_record(
            actor=history.user("admin"),
            scope=_admin(history),
            participant_id=history.participants["specialist_a"].pk,
            status="deceased",
            effective_on=date(2026, 4, 2),
        )
        people.case_change_status(
            actor=history.user("admin"),
            scope=_admin(history),
            case_id=history.cases["office_b"].pk,
            to_status="active",
            reason="reported late",
        )
    again = rules.cohort_status_csv(_status(history, date(2026, 4, 30), known))
    assert again == first
    later = _status(history, date(2026, 4, 30), datetime(2026, 5, 21, tzinfo=UTC))
    assert later.by_category()["deceased"] == 1


def test_breakdown_by_nationality_and_office(history: World) -> None:
    with clock.frozen_at(T0):
        p, case = participant_with_case(history.office_b, history.user("officer_b"), given="Rui")
        p.country_of_citizenship = "BR"
        p.save(update_fields=["country_of_citizenship"])
    report = _status(history, date(2026, 4, 30), datetime(2026, 5, 1, tzinfo=UTC))
    assert [k for k, _ in report.breakdown("nationality")] == ["BR", "HN"]
    assert dict(report.breakdown("office"))["BBB"]["whereabouts_unknown"] == 1


def test_cohort_filters_select_cases(history: World) -> None:
    known = datetime(2026, 5, 1, tzinfo=UTC)
    assert _status(history, date(2026, 4, 30), known, office_codes=["BBB"]).total == 1
    assert _status(history, date(2026, 4, 30), known, release_types=["ntr"]).total == 0
    assert _status(history, date(2026, 4, 30), known, nationalities=["hn"]).total == 3


def test_supervisor_report_is_limited_to_their_office(history: World) -> None:
    report = selectors.cohort_status_compute(
        scope=Scope.for_user(history.user("supervisor")),
        filters=rules.CohortFilters(),
        as_of=date(2026, 4, 30),
        known_at=datetime(2026, 5, 1, tzinfo=UTC),
    )
    assert report.total == 2
    assert {r.office for r in report.rows} == {"AAA"}


def test_case_officer_cannot_run_reports(history: World) -> None:
    with pytest.raises(Forbidden):
        _status_for = selectors.cohort_status_compute
        _status_for(
            scope=Scope.for_user(history.user("case_officer")),
            filters=rules.CohortFilters(),
            as_of=date(2026, 4, 30),
            known_at=datetime(2026, 5, 1, tzinfo=UTC),
        )


def test_generated_report_records_parameters_and_hash_and_reproduces(history: World) -> None:
    analyst = history.user("records_analyst")
    scope = Scope.for_user(analyst)
    with clock.frozen_at(datetime(2026, 5, 2, 9, 30, 15, 123456, tzinfo=UTC)):
        cohort = services.cohort_save(
            actor=analyst,
            scope=scope,
            name="Parole January 2026",
            filters=rules.CohortFilters(
                release_from=date(2026, 1, 1),
                release_to=date(2026, 1, 31),
                release_types=("parole",),
            ),
        )
        first = services.report_generate(
            actor=analyst, scope=scope, cohort_id=cohort.pk, as_of=date(2026, 4, 30)
        )
    assert first.parameters["known_at"] == "2026-05-02T09:30:15+00:00"
    assert first.content_sha256 == rules.content_hash(bytes(first.content))
    with clock.frozen_at(datetime(2026, 6, 1, tzinfo=UTC)):
        court.legal_status_record(
            actor=history.user("admin"),
            scope=_admin(history),
            participant_id=history.participants["specialist_a"].pk,
            status="in_custody",
            effective_on=date(2026, 4, 20),
        )
        again = services.report_generate(
            actor=analyst,
            scope=scope,
            cohort_id=cohort.pk,
            as_of=date(2026, 4, 30),
            known_at=datetime.fromisoformat(str(first.parameters["known_at"])),
        )
        now_known = services.report_generate(
            actor=analyst, scope=scope, cohort_id=cohort.pk, as_of=date(2026, 4, 30)
        )
    assert bytes(again.content) == bytes(first.content)
    assert (again.content_sha256, again.pdf_sha256) == (first.content_sha256, first.pdf_sha256)
    assert now_known.content_sha256 != first.content_sha256


def test_pdf_is_byte_for_byte_deterministic(history: World) -> None:
    status = _status(history, date(2026, 4, 30), datetime(2026, 5, 1, tzinfo=UTC))
    from atd.reporting.pdf import table_pdf

    rows = [line.split(",") for line in rules.cohort_status_csv(status).decode().splitlines()]
    assert table_pdf("t", ["h"], rows) == table_pdf("t", ["h"], rows)
    assert table_pdf("t", ["h"], rows).startswith(b"%PDF")


def test_list_export_is_audited_and_sorted(history: World) -> None:
    from atd.core.models import AuditEntry

    rows = selectors.cohort_list_read(
        scope=_admin(history),
        actor=history.user("admin"),
        filters=rules.CohortFilters(),
        as_of=date(2026, 4, 30),
        known_at=datetime(2026, 5, 1, tzinfo=UTC),
    )
    assert [r.a_number for r in rows] == sorted(r.a_number for r in rows)
    assert {r.category for r in rows} == {"removed", "active_compliant", "whereabouts_unknown"}
    assert AuditEntry.objects.filter(action="report.cohort_list").exists()


def test_supervisor_cannot_open_another_offices_cohort(history: World) -> None:
    from atd.core.errors import NotFound

    scope_b = Scope.for_user(history.user("supervisor_b"))
    cohort = services.cohort_save(
        actor=history.user("supervisor_b"), scope=scope_b, name="B", filters=rules.CohortFilters()
    )
    with pytest.raises(NotFound):
        selectors.cohort_get(scope=Scope.for_user(history.user("supervisor")), cohort_id=cohort.pk)


def test_console_cohort_page_shows_counts_and_an_svg_chart(history: World, client_for) -> None:  # type: ignore[no-untyped-def]
    scope = Scope.for_user(history.user("records_analyst"))
    cohort = services.cohort_save(
        actor=history.user("records_analyst"),
        scope=scope,
        name="All",
        filters=rules.CohortFilters(),
    )
    page = client_for("records_analyst").get(f"/reporting/cohorts/{cohort.pk}/?as_of=2026-04-30")
    body = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in body and 'role="img"' in body
    assert "Whereabouts unknown" in body


def test_a_long_legal_timeline_is_read_when_the_last_two_steps_are_too_late(
    history: World,
) -> None:
    admin, scope = history.user("admin"), _admin(history)
    pid = history.participants["specialist_a"].pk
    steps = [
        ("in_custody", date(2026, 1, 20), datetime(2026, 1, 20, 12, tzinfo=UTC)),
        ("released", date(2026, 2, 1), datetime(2026, 2, 1, 12, tzinfo=UTC)),
        ("final_order_removal", date(2026, 4, 1), datetime(2026, 4, 1, 12, tzinfo=UTC)),
    ]
    for status, day, moment in steps:
        with clock.frozen_at(moment):
            court.legal_status_record(
                actor=admin,
                scope=scope,
                participant_id=pid,
                status=status,
                effective_on=day,
                close_case=False,
            )
    known = datetime(2026, 5, 1, tzinfo=UTC)
    assert _status(history, date(2026, 1, 25), known).by_category()["in_custody"] == 1
    assert _status(history, date(2026, 2, 15), known).by_category()["in_custody"] == 0
    assert _status(history, date(2026, 1, 10), known).by_category()["in_custody"] == 0


def test_report_pdf_is_a_document_with_title_page_chart_page_numbers_and_hash(
    history: World,
) -> None:
    analyst = history.user("records_analyst")
    scope = Scope.for_user(analyst)
    with clock.frozen_at(datetime(2026, 5, 2, 9, 30, tzinfo=UTC)):
        cohort = services.cohort_save(
            actor=analyst, scope=scope, name="Parole cohort", filters=rules.CohortFilters()
        )
        report = services.report_generate(
            actor=analyst, scope=scope, cohort_id=cohort.pk, as_of=date(2026, 4, 30)
        )
    pdf = selectors.report_pdf(report)
    assert pdf == selectors.report_pdf(report)
    assert report.pdf_sha256 == rules.content_hash(pdf)
    # Uncompressed page streams: the words a reader sees are in the bytes.
    for words in (
        b"Cohort status report",
        b"Parameters",
        b"Parole cohort",
        b"Status as of",
        b"2026-04-30",
        b"Summary",
        b"Participants by status as of 2026-04-30",
        b"By office",
        b"Page 1",
        b"Page 2",
        report.content_sha256.encode(),
    ):
        assert words in pdf, words
    assert bytes(report.content).startswith(b"section,group,status,label,count\r\n")


def test_opening_a_filed_list_is_audited_with_its_hash_and_row_count(
    history: World, client_for: Any
) -> None:
    from atd.core.models import AuditEntry

    analyst = history.user("records_analyst")
    scope = Scope.for_user(analyst)
    cohort = services.cohort_save(
        actor=analyst, scope=scope, name="All", filters=rules.CohortFilters()
    )
    report = services.report_generate(
        actor=analyst, scope=scope, cohort_id=cohort.pk, as_of=date(2026, 4, 30), with_list=True
    )
    client = client_for("records_analyst")
    for form, suffix in (("csv", "csv/"), ("pdf", "pdf/"), ("json", "json/"), ("page", "")):
        response = client.get(f"/reporting/reports/{report.pk}/{suffix}")
        assert response.status_code == 200, form
        entry = AuditEntry.objects.filter(action="report.read").order_by("-id").first()
        assert entry is not None
        assert entry.reason.startswith(f"{form} cohort_list rows={report.participants} ")
        assert report.content_sha256 in entry.reason
    sidecar = client.get(f"/reporting/reports/{report.pk}/json/").json()
    assert sidecar["csv_sha256"] == report.content_sha256
    assert sidecar["parameters"]["as_of"] == "2026-04-30"
    page = client.get(f"/reporting/reports/{report.pk}/").content.decode()
    assert "Status as of" in page and "{&quot;" not in page
