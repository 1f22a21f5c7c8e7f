"""The decision letter as a PDF: deterministic (reportlab invariant mode), wrapped text."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def letter_pdf(title: str, reference: str, paragraphs: Sequence[str]) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(title)
    pdf.setAuthor("atd")
    width, height = A4
    y = height - 60
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(56, y, title)
    y -= 18
    pdf.setFont("Helvetica", 9)
    pdf.drawString(56, y, reference)
    y -= 28
    pdf.setFont("Helvetica", 11)
    for paragraph in paragraphs:
        for line in textwrap.wrap(paragraph, 90) or [""]:
            if y < 60:
                pdf.showPage()
                pdf.setFont("Helvetica", 11)
                y = height - 60
            pdf.drawString(56, y, line)
            y -= 15
        y -= 8
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
