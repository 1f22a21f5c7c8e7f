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

# Status categories in report order; the SQL assigns the first that applies, in this order.
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
            "filters": self.filters.canonical(),
            "as_of": self.as_of.isoformat(),
            "known_at": known_at_normalize(self.known_at).isoformat(),
        }


def cohort_status_csv(report: CohortStatus) -> bytes:
    """The canonical content: every count in a fixed order. Its SHA-256 is the report's hash."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    params = report.parameters()
    w.writerow(["report", "cohort_status"])
    w.writerow(["cohort_id", params["cohort_id"] if params["cohort_id"] is not None else ""])
    w.writerow(["cohort", report.cohort_name])
    w.writerow(["filters", report.filters.canonical_json()])
    w.writerow(["as_of", params["as_of"]])
    w.writerow(["known_at", params["known_at"]])
    w.writerow(["participants", report.total])
    w.writerow([])
    w.writerow(["section", "status", "label", "count"])
    labels = dict(CATEGORIES)
    for key, n in report.by_category().items():
        w.writerow(["status", key, labels.get(key, key), n])
    w.writerow([])
    w.writerow(["section", "notice", "label", "count"])
    notice_labels = dict(NOTICE_STATES)
    for key, n in report.by_notice().items():
        w.writerow(["notices", key, notice_labels.get(key, key), n])
    for dimension, title in (("nationality", "nationality"), ("office", "office")):
        w.writerow([])
        w.writerow(["section", title, "total", *CATEGORY_KEYS])
        for key, counts in report.breakdown(dimension):
            w.writerow([f"by_{title}", key, sum(counts.values()), *counts.values()])
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True)
class ListRow:
    a_number: str
    office: str
    nationality: str
    category: str
    notice: str


def cohort_list_csv(params: Mapping[str, object], rows: Iterable[ListRow]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["parameters", json.dumps(params, sort_keys=True, separators=(",", ":"))])
    w.writerow(["a_number", "office", "nationality", "status", "notice_to_appear"])
    for r in sorted(rows, key=lambda r: r.a_number):
        w.writerow([r.a_number, r.office, r.nationality, r.category, r.notice])
    return out.getvalue().encode("utf-8")


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
