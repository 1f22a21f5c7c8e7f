"""Pure reporting rules: cohort filters, status categories, the canonical report bytes, KPIs,
cost arithmetic and server-side SVG charts. No Django, no I/O: the same values in always give
the same bytes out, which is what lets a filed report be reproduced."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

# Status categories in report order. A category's number in the SQL is its position here, so
# new ones are added at the end (stored settled keys keep their meaning); which one applies is
# decided by the SQL (cohort_sql._CATEGORY and _OPEN): a legal status of removed, departed,
# deceased or in custody first, then the case's own status as of the date.
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("removed", "Removed"),
    ("voluntarily_departed", "Voluntarily departed"),
    ("deceased", "Deceased"),
    ("in_custody", "In custody"),
    ("relief_granted", "Relief granted (case closed)"),
    ("closed_other", "Closed for another reason (transferred, other)"),
    ("whereabouts_unknown", "Whereabouts unknown (report-by deadline passed, never reported)"),
    ("awaiting_first_report", "Awaiting first report (deadline not passed)"),
    ("active_missed_obligations", "Active with missed obligations"),
    ("active_compliant", "Active and compliant"),
    ("left_program", "Left the program (case closed, court obligations remain)"),
    ("at_large", "At large (case open, contact lost, confirmed by an officer)"),
)
CATEGORY_KEYS = tuple(key for key, _ in CATEGORIES)
NOTICE_STATES: tuple[tuple[str, str], ...] = (
    ("served", "Notice to Appear served"),
    ("not_served", "Notice to Appear issued, not served"),
    ("none", "No Notice to Appear recorded"),
)
NOTICE_KEYS = tuple(key for key, _ in NOTICE_STATES)


@dataclass(frozen=True)
class CohortFilters:
    """A cohort: e.g. "released on parole between two dates at these facilities"."""

    release_from: date | None = None
    release_to: date | None = None
    release_types: tuple[str, ...] = ()
    facilities: tuple[str, ...] = ()
    office_codes: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()

    def canonical(self) -> dict[str, object]:
        return {
            "facilities": sorted(set(self.facilities)),
            "nationalities": sorted({n.upper() for n in self.nationalities}),
            "office_codes": sorted(set(self.office_codes)),
            "release_from": self.release_from.isoformat() if self.release_from else None,
            "release_to": self.release_to.isoformat() if self.release_to else None,
            "release_types": sorted(set(self.release_types)),
        }

    def canonical_json(self) -> str:
        return json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, raw: Mapping[str, object]) -> CohortFilters:
        def _date(value: object) -> date | None:
            return date.fromisoformat(str(value)) if value else None

        def _tuple(value: object) -> tuple[str, ...]:
            if not value:
                return ()
            if isinstance(value, str):
                value = [v for v in value.replace(";", ",").split(",")]
            return tuple(sorted({str(v).strip() for v in value if str(v).strip()}))  # type: ignore[attr-defined]

        return cls(
            release_from=_date(raw.get("release_from")),
            release_to=_date(raw.get("release_to")),
            release_types=_tuple(raw.get("release_types")),
            facilities=_tuple(raw.get("facilities")),
            office_codes=_tuple(raw.get("office_codes")),
            nationalities=tuple(n.upper() for n in _tuple(raw.get("nationalities"))),
        )


def filters_problem(filters: CohortFilters) -> str | None:
    if filters.release_from and filters.release_to and filters.release_from > filters.release_to:
        return "the release period ends before it starts"
    return None


def as_of_cutoff(as_of: date, known_at: datetime) -> datetime:
    """The moment that bounds what a report may see: the end of the as-of day (UTC), or the
    knowledge time when that is earlier. Rows recorded later are ignored."""
    end_of_day = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)
    return min(end_of_day, known_at.astimezone(UTC))


def known_at_normalize(moment: datetime) -> datetime:
    """Whole seconds in UTC: what is printed is exactly what is used."""
    return moment.astimezone(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class StatusRow:
    category: str
    nationality: str
    office: str
    notice: str
    count: int


@dataclass
class CohortStatus:
    cohort_id: int | None
    cohort_name: str
    filters: CohortFilters
    as_of: date
    known_at: datetime
    rows: list[StatusRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(r.count for r in self.rows)

    def by_category(self) -> dict[str, int]:
        out = dict.fromkeys(CATEGORY_KEYS, 0)
        for r in self.rows:
            out[r.category] = out.get(r.category, 0) + r.count
        return out

    def by_notice(self) -> dict[str, int]:
        out = dict.fromkeys(NOTICE_KEYS, 0)
        for r in self.rows:
            out[r.notice] = out.get(r.notice, 0) + r.count
        return out

    def breakdown(self, dimension: str) -> list[tuple[str, dict[str, int]]]:
        table: dict[str, dict[str, int]] = {}
        for r in self.rows:
            key = getattr(r, dimension) or "(none)"
            counts = table.setdefault(key, dict.fromkeys(CATEGORY_KEYS, 0))
            counts[r.category] = counts.get(r.category, 0) + r.count
        return sorted(table.items())

    def parameters(self) -> dict[str, object]:
        return {
            "report": "cohort_status",
            "cohort_id": self.cohort_id,
            "cohort": self.cohort_name,
            "filters": self.filters.canonical(),
            "as_of": self.as_of.isoformat(),
            "known_at": known_at_normalize(self.known_at).isoformat(),
        }


STATUS_CSV_HEADER = ("section", "group", "status", "label", "count")
LIST_CSV_HEADER = ("a_number", "office", "nationality", "status", "notice_to_appear")


def _csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Plain RFC 4180: the header first, CRLF line ends, quoting only where a field needs it.
    The parameters are not in the file: they are filed beside it (the report's parameters,
    its sidecar JSON and the PDF's title page), so any spreadsheet or CSV reader opens it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def cohort_status_csv(report: CohortStatus) -> bytes:
    """The canonical content: every count in a fixed order, one table. Its SHA-256 is the
    report's hash. `group` is the office or nationality for the breakdown sections."""
    labels, notice_labels = dict(CATEGORIES), dict(NOTICE_STATES)
    rows: list[tuple[object, ...]] = [("participants", "", "", "All participants", report.total)]
    rows += [("status", "", k, labels.get(k, k), n) for k, n in report.by_category().items()]
    rows += [("notices", "", k, notice_labels.get(k, k), n) for k, n in report.by_notice().items()]
    for dimension in ("office", "nationality"):
        for group, counts in report.breakdown(dimension):
            rows += [(f"by_{dimension}", group, k, labels.get(k, k), n) for k, n in counts.items()]
    return _csv_bytes(STATUS_CSV_HEADER, rows)


@dataclass(frozen=True)
class ListRow:
    a_number: str
    office: str
    nationality: str
    category: str
    notice: str


def cohort_list_csv(rows: Iterable[ListRow]) -> bytes:
    ordered = sorted(rows, key=lambda r: r.a_number)
    return _csv_bytes(
        LIST_CSV_HEADER,
        ((r.a_number, r.office, r.nationality, r.category, r.notice) for r in ordered),
    )


SUMMARY_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Left supervision (removed, departed, deceased)",
        ("removed", "voluntarily_departed", "deceased"),
    ),
    ("In custody", ("in_custody",)),
    ("Case closed (relief granted or other)", ("relief_granted", "closed_other")),
    ("Left the program", ("left_program",)),
    ("At large (contact lost)", ("at_large",)),
    ("Whereabouts unknown (never reported)", ("whereabouts_unknown",)),
    (
        "Under supervision or awaiting first report",
        (
            "awaiting_first_report",
            "active_missed_obligations",
            "active_compliant",
        ),
    ),
)


def cohort_summary_in_words(counts: Mapping[str, int]) -> list[tuple[str, str]]:
    """The title page's summary: the total and a few groups of statuses, with shares."""
    total = sum(counts.values())

    def share(n: int) -> str:
        return f"{n} ({n / total:.1%})" if total else str(n)

    lines = [("Participants in the cohort", str(total))]
    lines += [(label, share(sum(counts.get(k, 0) for k in keys))) for label, keys in SUMMARY_GROUPS]
    return lines


def report_sidecar(parameters: Mapping[str, object], content_sha256: str) -> bytes:
    """The parameters filed beside a report's CSV, as canonical JSON with the CSV's hash."""
    body = {"parameters": dict(parameters), "csv_sha256": content_sha256}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def report_parameters_in_words(parameters: Mapping[str, object]) -> list[tuple[str, str]]:
    """A filed report's parameters as a court reads them, for its title page and its page."""
    raw = parameters.get("filters")
    filters = CohortFilters.from_dict(raw if isinstance(raw, Mapping) else {})
    if filters.release_from or filters.release_to:
        period = f"{filters.release_from or 'any date'} to {filters.release_to or 'any date'}"
    else:
        period = "any date"

    def listed(values: Sequence[str]) -> str:
        return ", ".join(values) if values else "all"

    words = [
        ("Cohort", str(parameters.get("cohort") or parameters.get("cohort_id") or "ad hoc")),
        ("Status as of", f"{parameters.get('as_of', '')} (end of day, UTC)"),
        ("Records known at", f"{parameters.get('known_at', '')} (later entries are ignored)"),
        ("Released", period),
        ("Release types", listed(filters.release_types)),
        ("Facilities", listed(filters.facilities)),
        ("Offices", listed(filters.office_codes)),
        ("Nationalities", listed(filters.nationalities)),
    ]
    if parameters.get("with_list"):
        words.append(("Contents", "one line per participant (A-number, office, status)"))
    return words


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- KPIs --------------------------------------------------------------------------------------


def rate(numerator: int, denominator: int) -> float | None:
    """A share rounded to 4 places; None when there is nothing to measure."""
    if denominator <= 0:
        return None
    return round(numerator / denominator, 4)


def percent_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def median_days(durations: Sequence[float]) -> float | None:
    if not durations:
        return None
    ordered = sorted(durations)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return round(ordered[mid], 1)
    return round((ordered[mid - 1] + ordered[mid]) / 2, 1)


# --- cost --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostLine:
    group: str
    technology: str
    days: int
    rate: Decimal

    @property
    def cost(self) -> Decimal:
        return (self.rate * self.days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CostSummary:
    lines: tuple[CostLine, ...]
    detention_rate: Decimal

    @property
    def supervised_days(self) -> int:
        return sum(line.days for line in self.lines)

    @property
    def program_cost(self) -> Decimal:
        return sum((line.cost for line in self.lines), Decimal("0.00"))

    @property
    def detention_cost(self) -> Decimal:
        """The same participant-days spent in detention instead."""
        return (self.detention_rate * self.supervised_days).quantize(Decimal("0.01"))

    @property
    def savings(self) -> Decimal:
        return self.detention_cost - self.program_cost

    @property
    def cost_per_participant_day(self) -> Decimal | None:
        if not self.supervised_days:
            return None
        return (self.program_cost / self.supervised_days).quantize(Decimal("0.01"))


def overlap_days(start: date, end: date | None, period_start: date, period_end: date) -> int:
    """Days of [start, end) inside [period_start, period_end] (end None: still running)."""
    last = min(end - timedelta(days=1) if end else period_end, period_end)
    first = max(start, period_start)
    return max((last - first).days + 1, 0)


def rate_on(rates: Sequence[tuple[date, Decimal]], day: date, default: Decimal) -> Decimal:
    """The rate in effect on a day: the latest with effective_from on or before it."""
    best = None
    for effective_from, value in rates:
        if effective_from <= day and (best is None or effective_from >= best[0]):
            best = (effective_from, value)
    return best[1] if best else default


# --- charts (server-side SVG, no script, no CDN) ----------------------------------------------


def bar_chart_svg(
    title: str, bars: Sequence[tuple[str, float]], *, width: int = 640, unit: str = ""
) -> str:
    """A horizontal bar chart as an accessible SVG string (role=img with a title and a text
    alternative listing every value)."""
    row_h, label_w, pad = 26, 230, 8
    height = pad * 2 + row_h * max(len(bars), 1) + 24
    top = max((v for _, v in bars), default=0) or 1
    plot_w = width - label_w - 90
    desc = "; ".join(f"{label}: {value:g}{unit}" for label, value in bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="t d">',
        f'<title id="t">{escape(title)}</title><desc id="d">{escape(desc)}</desc>',
        f'<text x="{pad}" y="18" font-size="14" font-weight="600">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(bars):
        y = 28 + pad + i * row_h
        w = int(plot_w * (value / top)) if value > 0 else 0
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" font-size="12" text-anchor="end">'
            f"{escape(label[:36])}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{row_h - 8}" fill="#0b5cad"/>'
            f'<text x="{label_w + w + 6}" y="{y + 15}" font-size="12">{value:g}{unit}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
