"""Opening the documents the bot sends: .docx through python-docx, PDF through pypdf."""

from __future__ import annotations

import io

MARKER = "МАРКЕР-ОТВЕТА-7Q4Z"  # typed as a free-text answer; must reach the file and no disk


def docx_text(data: bytes) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    # pypdf may break a justified line anywhere and pad words with spaces: compare squeezed.
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def squeeze(text: str) -> str:
    return " ".join(text.split())


def file_text(name: str, data: bytes) -> str:
    return docx_text(data) if name.endswith(".docx") else pdf_text(data)
