"""Reporting rules without a database: filters, cutoffs, canonical bytes, costs, charts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from atd.reporting import rules


def test_filters_are_canonical_whatever_the_input_order() -> None:
    a = rules.CohortFilters.from_dict({"nationalities": "hn, gt", "release_types": ["parole"]})
    b = rules.CohortFilters.from_dict({"nationalities": ["GT", "HN"], "release_types": "parole"})
    assert a.canonical_json() == b.canonical_json()


def test_release_period_must_not_end_before_it_starts() -> None:
    bad = rules.CohortFilters(release_from=date(2026, 2, 1), release_to=date(2026, 1, 1))
    assert rules.filters_problem(bad)


def test_cutoff_is_end_of_as_of_day_or_knowledge_time_if_earlier() -> None:
    known = datetime(2026, 5, 1, 10, tzinfo=UTC)
    assert rules.as_of_cutoff(date(2026, 4, 30), known) == datetime(2026, 5, 1, tzinfo=UTC)
    assert rules.as_of_cutoff(date(2026, 5, 1), known) == known


def _report() -> rules.CohortStatus:
    report = rules.CohortStatus(
        cohort_id=3,
        cohort_name="c",
        filters=rules.CohortFilters(),
        as_of=date(2026, 4, 30),
        known_at=datetime(2026, 5, 1, 8, 0, 0, 999, tzinfo=UTC),
    )
    report.rows = [
        rules.StatusRow("removed", "HN", "AAA", "served", 2),
        rules.StatusRow("active_compliant", "GT", "BBB", "none", 5),
    ]
    return report


def test_report_bytes_depend_only_on_values() -> None:
    first = rules.cohort_status_csv(_report())
    shuffled = _report()
    shuffled.rows.reverse()
    assert rules.cohort_status_csv(shuffled) == first
    assert b"participants,,,All participants,7\r\n" in first


def test_csv_is_plain_rfc4180_with_the_header_first_and_parameters_beside_it() -> None:
    report = _report()
    content = rules.cohort_status_csv(report)
    assert content.startswith(b"section,group,status,label,count\r\n")
    assert b"known_at" not in content and b"{" not in content
    listing = rules.cohort_list_csv(
        [
            rules.ListRow(
                a_number="200000001",
                office="AAA",
                nationality="HN",
                category="removed",
                notice="served",
            )
        ]
    )
    assert listing == (
        b"a_number,office,nationality,status,notice_to_appear\r\n"
        b"200000001,AAA,HN,removed,served\r\n"
    )
    sidecar = rules.report_sidecar(report.parameters(), rules.content_hash(content))
    assert b'"known_at":"2026-05-01T08:00:00+00:00"' in sidecar
    assert rules.content_hash(content).encode() in sidecar
    words = dict(rules.report_parameters_in_words(report.parameters()))
    assert words["Status as of"].startswith("2026-04-30")
    assert words["Records known at"].startswith("2026-05-01T08:00:00+00:00")


def test_every_category_is_listed_even_when_zero() -> None:
    text = rules.cohort_status_csv(_report()).decode()
    for key in rules.CATEGORY_KEYS:
        assert f"status,,{key}," in text


def test_cost_compares_program_days_with_detention_days() -> None:
    summary = rules.CostSummary(
        lines=(
            rules.CostLine("AAA", "gps_ankle", 100, Decimal("2.75")),
            rules.CostLine("AAA", "smartphone", 300, Decimal("0.90")),
        ),
        detention_rate=Decimal("152.00"),
    )
    assert summary.program_cost == Decimal("545.00")
    assert summary.detention_cost == Decimal("60800.00")
    assert summary.savings == Decimal("60255.00")
    assert summary.cost_per_participant_day == Decimal("1.36")


def test_overlap_days_counts_days_inside_the_period() -> None:
    assert rules.overlap_days(date(2026, 1, 1), None, date(2026, 1, 10), date(2026, 1, 19)) == 10
    assert (
        rules.overlap_days(date(2026, 1, 1), date(2026, 1, 5), date(2026, 1, 3), date(2026, 1, 31))
        == 2
    )
    assert rules.overlap_days(date(2026, 2, 1), None, date(2026, 1, 1), date(2026, 1, 31)) == 0


def test_rate_in_effect_is_the_latest_not_after_the_day() -> None:
    rates = [(date(2025, 1, 1), Decimal("3.00")), (date(2026, 1, 1), Decimal("2.75"))]
    assert rules.rate_on(rates, date(2025, 6, 1), Decimal("9")) == Decimal("3.00")
    assert rules.rate_on(rates, date(2026, 6, 1), Decimal("9")) == Decimal("2.75")
    assert rules.rate_on(rates, date(2024, 6, 1), Decimal("9")) == Decimal("9")


def test_chart_is_an_accessible_svg_with_escaped_labels() -> None:
    svg = rules.bar_chart_svg("Status <as of>", [("A & B", 3), ("C", 0)])
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "&lt;as of&gt;" in svg and "A &amp; B: 3" in svg
    assert "<script" not in svg


def test_median_days() -> None:
    assert rules.median_days([]) is None
    assert rules.median_days([3, 1, 2]) == 2
    assert rules.median_days([1, 2, 3, 4]) == 2.5
