"""Report PDFs as documents a court can file: a title page with the parameters in words, tables
with repeated headers, a bar chart, page numbers and the content hash on every page.

Rendering is deterministic: reportlab's invariant mode fixes the creation date and document id,
and nothing else varies, so the same report content always gives the same PDF bytes (a filed
report records its PDF's hash and can be reproduced byte for byte).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Flowable, PageBreak, Paragraph, Spacer, Table

from atd.core.pdf import (
    BODY,
    CELL,
    CELL_HEAD,
    CELL_HEAD_NUMBER,
    CELL_NUMBER,
    HEADING,
    INK,
    TITLE,
    content_width,
    document,
    key_values,
    para,
    striped_table,
)

PAGE = landscape(A4)


@dataclass(frozen=True)
class Section:
    """A titled table; `numeric` columns are right-aligned."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[object]]
    numeric: frozenset[int] = frozenset()
    note: str = ""


@dataclass(frozen=True)
class CohortDocument:
    title: str
    subtitle: str
    parameters: Sequence[tuple[str, str]]
    summary: Sequence[tuple[str, str]]
    chart_title: str
    chart: Sequence[tuple[str, int]]
    sections: Sequence[Section] = field(default_factory=tuple)
    content_hash: str = ""


def _table(section: Section, width: float) -> Table:
    head = [
        para(h, CELL_HEAD_NUMBER if i in section.numeric else CELL_HEAD)
        for i, h in enumerate(section.header)
    ]
    body = [
        [para(v, CELL_NUMBER if i in section.numeric else CELL) for i, v in enumerate(row)]
        for row in section.rows
    ]
    # Text columns get three shares of the width, number columns one (a wide pivot table gives
    # its numbers more room so that their headings are not broken inside a word).
    text_share = 3 if len(section.header) <= 6 else 1.5
    weights = [1 if i in section.numeric else text_share for i in range(len(section.header))] or [1]
    return striped_table(head, body, [width * w / sum(weights) for w in weights])


def _bar_chart(title: str, bars: Sequence[tuple[str, int]], width: float) -> Flowable:
    height = 40 + 18 * max(len(bars), 1)
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 250, 10
    chart.width, chart.height = width - 320, height - 40
    chart.data = [[value for _label, value in reversed(bars)] or [0]]
    chart.categoryAxis.categoryNames = [label for label, _value in reversed(bars)] or [""]
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = INK
    chart.barLabelFormat = "%d"
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 8
    drawing.add(chart)
    drawing.add(String(0, height - 12, title, fontName="Helvetica-Bold", fontSize=10))
    return drawing


def _document(buffer: io.BytesIO, title: str, content_hash: str) -> BaseDocTemplate:
    footer = title
    if content_hash:
        footer += f" · SHA-256 of the CSV content: {content_hash}"
    return document(
        buffer,
        pagesize=PAGE,
        title=title,
        creator="atd reporting",
        footer=footer,
        footer_chars=220,
    )


def cohort_report_pdf(document: CohortDocument) -> bytes:
    """Title page (parameters in words, summary), the status chart, then each section."""
    buffer = io.BytesIO()
    doc = _document(buffer, document.title, document.content_hash)
    width = content_width(PAGE)
    story: list[Flowable] = [
        Paragraph(escape(document.title), TITLE),
        Paragraph(escape(document.subtitle), BODY),
        Spacer(1, 6 * mm),
        Paragraph("Parameters", HEADING),
        key_values(document.parameters, width, key_share=0.25),
        Paragraph("Summary", HEADING),
        key_values(document.summary, width, key_share=0.25),
    ]
    if document.content_hash:
        story += [
            Spacer(1, 4 * mm),
            Paragraph(
                escape(
                    "The report's content is its CSV file; its SHA-256 is printed at the foot "
                    f"of every page: {document.content_hash}. Generating the same cohort with "
                    "the same as-of date and knowledge time gives the same bytes."
                ),
                BODY,
            ),
        ]
    if document.chart:
        story += [PageBreak(), _bar_chart(document.chart_title, document.chart, width)]
    for section in document.sections:
        story += [Paragraph(escape(section.title), HEADING)]
        if section.note:
            story.append(Paragraph(escape(section.note), BODY))
        story.append(_table(section, width))
    doc.build(story)
    return buffer.getvalue()


def table_pdf(title: str, header_lines: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """A titled table (the first row is its header, repeated on every page), with page
    numbers: the KPI and cost reports."""
    buffer = io.BytesIO()
    doc = _document(buffer, title, "")
    width = content_width(PAGE)
    story: list[Flowable] = [Paragraph(escape(title), TITLE)]
    story += [Paragraph(escape(line), BODY) for line in header_lines]
    story.append(Spacer(1, 4 * mm))
    if rows:
        header, *body = rows
        numeric = frozenset(
            i
            for i in range(len(header))
            if body and all(_is_number(r[i]) for r in body if i < len(r) and r[i] not in ("", None))
        )
        story.append(_table(Section("", list(map(str, header)), body, numeric), width))
    doc.build(story)
    return buffer.getvalue()


def _is_number(value: object) -> bool:
    try:
        float(str(value).rstrip("%").replace(",", ""))
    except ValueError:
        return False
    return True
