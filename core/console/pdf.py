"""Printable documents as PDF (WeasyPrint: HTML and CSS from the same Jinja templates,
laid out by Pango with the system's Noto CJK fonts, so Chinese is set as text, not
pictures, and can be searched and copied). Every document shows the ledger seq its
figures reflect and the signed checkpoint that covers it."""

from __future__ import annotations

from flask import render_template, request

from core.console.views.common import download


def pdf_response(template: str, filename: str, **context):
    from weasyprint import HTML  # imported on first use: it loads Pango

    html = render_template(template, **context)
    content = HTML(string=html, base_url=request.host_url).write_pdf()
    return download(content, filename, "application/pdf", inline=True)
