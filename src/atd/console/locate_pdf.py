"""The locate package as a PDF for the field team, in the house style of the report PDFs
(reporting/pdf.py): a title block, key-value tables, striped tables with repeated headers,
page numbers, and on every page who generated it, when, and why."""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from atd.console.locate import LocatePackage

PAGE = A4
MARGIN = 15 * mm
INK = colors.HexColor("#12263f")
RULE = colors.HexColor("#c9d1dc")
STRIPE = colors.HexColor("#f3f5f8")

_styles = getSampleStyleSheet()
TITLE = ParagraphStyle("locate-title", parent=_styles["Title"], alignment=0, textColor=INK)
HEADING = ParagraphStyle("locate-h2", parent=_styles["Heading2"], textColor=INK, spaceBefore=8)
BODY = ParagraphStyle("locate-body", parent=_styles["BodyText"], fontSize=9, leading=12)
CELL = ParagraphStyle("locate-cell", parent=BODY, fontSize=8, leading=10)
CELL_HEAD = ParagraphStyle(
    "locate-cell-head", parent=CELL, fontName="Helvetica-Bold", fontSize=7, leading=9
)


def _para(value: object, style: ParagraphStyle = CELL) -> Paragraph:
    return Paragraph(escape("" if value is None else str(value)), style)


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], width: float) -> Flowable:
    if not rows:
        return Paragraph("None recorded.", BODY)
    head = [_para(h, CELL_HEAD) for h in header]
    body = [[_para(v) for v in row] for row in rows]
    table = Table([head, *body], repeatRows=1, colWidths=[width / len(header)] * len(header))
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


def _key_values(pairs: Sequence[tuple[str, str]], width: float) -> Table:
    table = Table(
        [[_para(k, CELL_HEAD), _para(v, BODY)] for k, v in pairs],
        colWidths=[width * 0.28, width * 0.72],
    )
    table.setStyle(
        TableStyle(
            [("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        )
    )
    return table


def _t(moment: object) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if hasattr(moment, "strftime") else "—"


def locate_package_pdf(pkg: LocatePackage) -> bytes:
    buffer = io.BytesIO()
    title = f"Locate package · A-{pkg.a_number}"
    stamp = f"Generated {_t(pkg.generated_at)} by {pkg.generated_by} · reason: {pkg.reason}"
    doc = BaseDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=title,
        author="atd",
        creator="atd console",
        invariant=1,
        pageCompression=0,
    )

    def footer(canvas: Canvas, document: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.HexColor("#4a5568"))
        y = MARGIN - 2 * mm
        canvas.drawString(MARGIN, y, f"{title} · {stamp}"[:150])
        canvas.drawRightString(PAGE[0] - MARGIN, y, f"Page {document.page}")
        canvas.restoreState()

    frame = Frame(MARGIN, MARGIN + 6 * mm, PAGE[0] - 2 * MARGIN, PAGE[1] - 2 * MARGIN - 6 * mm)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=footer)])
    width = PAGE[0] - 2 * MARGIN
    hearing = (
        f"{_t(pkg.hearing.at)}, {pkg.hearing.court} ({pkg.hearing.kind})" if pkg.hearing else "none"
    )
    story: list[Flowable] = [
        Paragraph(escape(title), TITLE),
        Paragraph(escape("Confidential: for locating the participant only. " + stamp), BODY),
        Spacer(1, 4 * mm),
        _key_values(
            [
                ("Name", pkg.name),
                ("A-number", pkg.a_number),
                ("Date of birth", pkg.date_of_birth),
                ("Languages", pkg.languages or "—"),
                ("Case", f"{pkg.case_status}, {pkg.office}"),
                ("Open hearing", hearing),
            ],
            width,
        ),
        Paragraph("Last known positions", HEADING),
        _table(
            ("Time", "Latitude", "Longitude", "Accuracy (m)"),
            [
                (
                    _t(x.at),
                    f"{x.lat:.5f}",
                    f"{x.lon:.5f}",
                    f"{x.accuracy_m:.0f}" if x.accuracy_m else "—",
                )
                for x in pkg.positions
            ],
            width,
        ),
        Paragraph("Addresses", HEADING),
        _table(
            ("Address", "State", "Verification", "Flags"),
            [
                (
                    a.text,
                    "current"
                    if a.current
                    else f"until {a.valid_to:%Y-%m-%d}"
                    if a.valid_to
                    else "past",
                    a.verification,
                    ", ".join(a.flags) or "—",
                )
                for a in pkg.addresses
            ],
            width,
        ),
        Paragraph("Phones", HEADING),
        _table(
            ("Number", "From", "Until", "Note"),
            [
                (ph.number, _t(ph.since), _t(ph.until) if ph.until else "now", ph.note)
                for ph in pkg.phones
            ],
            width,
        ),
        Paragraph("Recent check-ins", HEADING),
        _table(
            ("Time", "Kind", "Status", "Location"),
            [
                (
                    _t(c.at),
                    c.kind,
                    c.status,
                    f"{c.location}"
                    + (
                        f" ({c.lat:.5f}, {c.lon:.5f})"
                        if c.lat is not None and c.lon is not None
                        else ""
                    ),
                )
                for c in pkg.checkins
            ],
            width,
        ),
        Paragraph("Places frequently visited", HEADING),
        Paragraph(
            escape(
                f"From the track between {_t(pkg.places_since)} and {_t(pkg.places_until)} "
                f"({pkg.places_fixes} fixes): cells of about 150 m seen on two days or more."
            ),
            BODY,
        ),
        _table(
            ("Centre", "Days", "Fixes", "First / last seen"),
            [
                (
                    f"{pl.lat:.5f}, {pl.lon:.5f}",
                    pl.days,
                    pl.fixes,
                    f"{_t(pl.first_at)} / {_t(pl.last_at)}",
                )
                for pl in pkg.places
            ],
            width,
        ),
        Paragraph("Linked booking records", HEADING),
        _table(
            ("Booking date", "Agency", "Source / id", "Match"),
            [
                (
                    b.booking_date,
                    b.agency,
                    f"{b.source} / {b.booking_id}",
                    f"{b.status} ({b.probability:.2f})",
                )
                for b in pkg.bookings
            ],
            width,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()
