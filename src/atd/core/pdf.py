"""The house style of every PDF atd prints (the report PDFs, the locate package): the colours
and paragraph styles, striped tables with a repeated header, key-value tables, and the page
template with the footer line and page number on every page.

Rendering is deterministic: reportlab's invariant mode fixes the creation date and document id
and nothing else varies, so the same content always gives the same PDF bytes (a filed report
records its PDF's hash and can be reproduced byte for byte)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Table, TableStyle

MARGIN = 15 * mm
FOOTER_SPACE = 6 * mm
INK = colors.HexColor("#12263f")
RULE = colors.HexColor("#c9d1dc")
STRIPE = colors.HexColor("#f3f5f8")
MUTED = colors.HexColor("#4a5568")

_styles = getSampleStyleSheet()
TITLE = ParagraphStyle("atd-title", parent=_styles["Title"], alignment=0, textColor=INK)
HEADING = ParagraphStyle("atd-h2", parent=_styles["Heading2"], textColor=INK, spaceBefore=8)
BODY = ParagraphStyle("atd-body", parent=_styles["BodyText"], fontSize=9, leading=12)
CELL = ParagraphStyle("atd-cell", parent=BODY, fontSize=8, leading=10)
CELL_NUMBER = ParagraphStyle("atd-cell-number", parent=CELL, alignment=2)
CELL_HEAD = ParagraphStyle(
    "atd-cell-head", parent=CELL, fontName="Helvetica-Bold", fontSize=7, leading=9
)
CELL_HEAD_NUMBER = ParagraphStyle("atd-cell-head-number", parent=CELL_HEAD, alignment=2)


def para(value: object, style: ParagraphStyle = CELL) -> Paragraph:
    """A value as an escaped paragraph (None prints as nothing)."""
    return Paragraph(escape("" if value is None else str(value)), style)


def content_width(pagesize: tuple[float, float]) -> float:
    return pagesize[0] - 2 * MARGIN


def striped_table(
    head: Sequence[Paragraph], body: Sequence[Sequence[Paragraph]], widths: Sequence[float]
) -> Table:
    """A table with a ruled header repeated on every page and every other row striped."""
    table = Table([list(head), *map(list, body)], repeatRows=1, colWidths=list(widths))
    style = [
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    style += [("BACKGROUND", (0, r), (-1, r), STRIPE) for r in range(2, len(body) + 1, 2)]
    table.setStyle(TableStyle(style))
    return table


def key_values(pairs: Sequence[tuple[str, str]], width: float, *, key_share: float) -> Table:
    """Label / value rows, the labels in bold, `key_share` of the width for the labels."""
    table = Table(
        [[para(k, CELL_HEAD), para(v, BODY)] for k, v in pairs],
        colWidths=[width * key_share, width * (1 - key_share)],
    )
    table.setStyle(
        TableStyle(
            [("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        )
    )
    return table


def document(
    buffer: io.BytesIO,
    *,
    pagesize: tuple[float, float],
    title: str,
    creator: str,
    footer: str,
    footer_chars: int,
) -> BaseDocTemplate:
    """A one-frame document whose every page ends with `footer` (cut to `footer_chars`) on
    the left and "Page N" on the right."""
    doc = BaseDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + FOOTER_SPACE,
        title=title,
        author="atd",
        creator=creator,
        invariant=1,
        pageCompression=0,
    )

    def on_page(canvas: Canvas, page: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(MUTED)
        y = MARGIN - 2 * mm
        canvas.drawString(MARGIN, y, footer[:footer_chars])
        canvas.drawRightString(pagesize[0] - MARGIN, y, f"Page {page.page}")
        canvas.restoreState()

    frame = Frame(
        MARGIN,
        MARGIN + FOOTER_SPACE,
        content_width(pagesize),
        pagesize[1] - 2 * MARGIN - FOOTER_SPACE,
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
    return doc
