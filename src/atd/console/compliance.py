"""The participant page's compliance chart: alerts raised per day over 30 days, drawn as a
server-side SVG (no JavaScript, readable by screen readers through its title and table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils.html import escape

from atd.alerts.selectors import SEVERITY_ORDER

COLOURS = {"critical": "#a4161a", "high": "#b54708", "medium": "#7a5a00", "low": "#4a5360"}


@dataclass(frozen=True)
class ComplianceChart:
    svg: str
    days: int
    clean_days: int
    rows: list[tuple[date, dict[str, int]]]


def compliance_chart(
    counts: dict[Any, dict[str, int]], *, today: date, days: int = 30
) -> ComplianceChart:
    first = today - timedelta(days=days - 1)
    series = [
        (first + timedelta(days=i), counts.get(first + timedelta(days=i), {})) for i in range(days)
    ]
    peak = max([sum(c.values()) for _, c in series] + [1])
    width, height, pad = 640, 150, 24
    bar_w = (width - 2 * pad) / days
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">Alerts raised per day, last {days} days; '
        f"{sum(1 for _, c in series if not c)} days without any alert</title>",
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#8c959f"/>',
    ]
    for i, (day, by_sev) in enumerate(series):
        x = pad + i * bar_w
        y: float = height - pad
        if not by_sev:
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{y - 3}" width="{bar_w - 2:.1f}" height="3" fill="#1a7f37">'
                f"<title>{day:%Y-%m-%d}: no alerts</title></rect>"
            )
        for severity in SEVERITY_ORDER:
            n = by_sev.get(severity, 0)
            if not n:
                continue
            h = (height - 2 * pad) * n / peak
            y -= h
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[severity]}"><title>{day:%Y-%m-%d}: {n} {escape(severity)}</title></rect>'
            )
    parts.append(
        f'<text x="{pad}" y="{height - 6}" font-size="11" fill="#4a5360">{first:%b %d}</text>'
        f'<text x="{width - pad}" y="{height - 6}" font-size="11" fill="#4a5360" '
        f'text-anchor="end">{today:%b %d}</text>'
        f'<text x="{pad}" y="14" font-size="11" fill="#4a5360">max {peak}/day</text></svg>'
    )
    return ComplianceChart(
        svg="".join(parts),
        days=days,
        clean_days=sum(1 for _, c in series if not c),
        rows=[(d, c) for d, c in series if c],
    )
