"""Server-rendered SVG charts for scheduling pages (no script, no CDN): plain strings whose
every text is escaped here, so a template may mark them safe."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    note: str = ""
    highlight: bool = False


def horizontal_bar_chart(
    bars: Sequence[Bar], *, title: str, unit: str, width: int = 640, bar_height: int = 26
) -> str:
    """One bar per row, labels on the left, value and note at the bar's end."""
    label_w, pad, note_w = 150, 8, 210
    plot_w = max(width - label_w - note_w - 2 * pad, 50)
    top = 28
    height = top + len(bars) * (bar_height + pad) + pad
    biggest = max((b.value for b in bars), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<text x="{pad}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i, bar in enumerate(bars):
        y = top + i * (bar_height + pad)
        w = max(plot_w * bar.value / biggest, 1)
        fill = "#b3261e" if bar.highlight else "#1f5f99"
        parts.append(
            f'<text x="{label_w - pad}" y="{y + bar_height * 0.7:.1f}" font-size="13" '
            f'text-anchor="end">{escape(bar.label)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{fill}">'
            f"<title>{escape(bar.label)}: {bar.value:g} {escape(unit)}</title></rect>"
        )
        parts.append(
            f'<text x="{label_w + w + pad:.1f}" y="{y + bar_height * 0.7:.1f}" font-size="12">'
            f"{bar.value:g} {escape(unit)}{(' · ' + escape(bar.note)) if bar.note else ''}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
