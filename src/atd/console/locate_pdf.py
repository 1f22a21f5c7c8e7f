"""The locate package as a PDF for the field team, in the house style of every atd PDF
(atd.core.pdf, shared with the report PDFs): a title block, key-value tables, striped tables
with repeated headers, page numbers, and on every page who generated it, when, and why."""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from atd.console.locate import LocatePackage
from atd.core.pdf import (
    BODY,
    CELL_HEAD,
    HEADING,
    TITLE,
    content_width,
    document,
    key_values,
    para,
    striped_table,
)

PAGE = A4


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], width: float) -> Flowable:
    if not rows:
        return Paragraph("None recorded.", BODY)
    return striped_table(
        [para(h, CELL_HEAD) for h in header],
        [[para(v) for v in row] for row in rows],
        [width / len(header)] * len(header),
    )


def _t(moment: object) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if hasattr(moment, "strftime") else "—"


def locate_package_pdf(pkg: LocatePackage) -> bytes:
    buffer = io.BytesIO()
    title = f"Locate package · A-{pkg.a_number}"
    stamp = f"Generated {_t(pkg.generated_at)} by {pkg.generated_by} · reason: {pkg.reason}"
    doc = document(
        buffer,
        pagesize=PAGE,
        title=title,
        creator="atd console",
        footer=f"{title} · {stamp}",
        footer_chars=150,
    )
    width = content_width(PAGE)
    hearing = (
        f"{_t(pkg.hearing.at)}, {pkg.hearing.court} ({pkg.hearing.kind})" if pkg.hearing else "none"
    )
    story: list[Flowable] = [
        Paragraph(escape(title), TITLE),
        Paragraph(escape("Confidential: for locating the participant only. " + stamp), BODY),
        Spacer(1, 4 * mm),
        key_values(
            [
                ("Name", pkg.name),
                ("A-number", pkg.a_number),
                ("Date of birth", pkg.date_of_birth),
                ("Languages", pkg.languages or "—"),
                ("Case", f"{pkg.case_status}, {pkg.office}"),
                ("Open hearing", hearing),
            ],
            width,
            key_share=0.28,
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
