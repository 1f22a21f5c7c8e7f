"""Deterministic PDF rendering: a fixed creation date and document id (reportlab invariant
mode), so the same report content always gives the same PDF bytes."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas


def table_pdf(title: str, header_lines: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=landscape(A4), invariant=1, pageCompression=0)
    pdf.setTitle(title)
    pdf.setAuthor("atd")
    pdf.setCreator("atd reporting")
    width, height = landscape(A4)
    y = height - 40

    def new_page() -> float:
        pdf.showPage()
        return height - 40

    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(36, y, title)
    y -= 22
    pdf.setFont("Helvetica", 9)
    for line in header_lines:
        pdf.drawString(36, y, line[:160])
        y -= 12
    y -= 6
    pdf.setFont("Courier", 8)
    for row in rows:
        if y < 40:
            y = new_page()
            pdf.setFont("Courier", 8)
        text = "  ".join(_cell(value) for value in row)
        pdf.drawString(36, y, text[:190])
        y -= 10
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.ljust(12) if len(text) < 12 else text
