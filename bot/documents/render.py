"""A template filled with a person's answers, as .docx or PDF bytes built in memory.

Nothing here touches the disk except reading the bundled fonts: both libraries write into an
`io.BytesIO` (python-docx's `Document.save(stream)`, fpdf2's `FPDF.output()` with no file
name), and the caller sends the bytes and drops them.

Body syntax: blocks separated by a blank line; a block whose lines start with `> ` is the
addressee block (right-aligned), a block starting with `# ` is the title (centred, bold),
anything else is a paragraph whose line breaks are kept.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.documents.templates import PLACEHOLDER_RE, Template

FONTS = Path(__file__).parent / "fonts"
FONT_REGULAR = FONTS / "DejaVuSans.ttf"
FONT_BOLD = FONTS / "DejaVuSans-Bold.ttf"
FORMATS = ("docx", "pdf")
MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
MEMO_TITLE = "ПАМЯТКА — удалите её перед подачей"
ADDRESSEE_INDENT_MM = 80  # the addressee block starts here, from the left margin


@dataclass(frozen=True)
class Block:
    kind: str  # "addressee", "title", "paragraph" or "page" (a page break)
    text: str


def fill(template: Template, answers: Mapping[str, str | None], text: str | None = None) -> str:
    """The body (or `text`, a part of it) with every placeholder replaced: an answer, or the
    question's or the named blank (None: the person left it empty). One pass, so a typed
    answer containing braces is never expanded again."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        answer = answers.get(name)
        if answer is not None:  # "" is an answer too: an option that adds nothing
            return answer
        question = template.question(name)
        if question is not None:
            return question.blank
        return template.blanks.get(name, match.group(0))

    return PLACEHOLDER_RE.sub(value, template.body if text is None else text)


def memo(template: Template) -> str:
    """What every document ends with: where and by when, a copy and proof, what filing does
    not do, the legal basis and the review date (§16 of the fact base)."""
    return "\n\n".join(
        [
            f"# {MEMO_TITLE}",
            f"Куда подать: {template.where['ru']}",
            f"Срок: {template.deadline['ru']}",
            template.warning["ru"],
            "Сохраните копию документа и доказательство подачи: отметку о приёме на вашей "
            "копии или почтовую квитанцию с описью вложения.",
            "Всё в квадратных скобках [ … ] заполните сами, на своём устройстве. Бот не "
            "спрашивает и не хранит ваше имя, паспортные данные и адрес.",
            "Правовое основание: " + "; ".join(template.sources) + ".",
            f"Шаблон сверен с законом: {template.reviewed:%d.%m.%Y}. Это не юридическая "
            "консультация: если можете, покажите документ юристу или правозащитникам.",
        ]
    )


def blocks(text: str) -> list[Block]:
    out = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        chunk = chunk.strip("\n")
        if not chunk.strip():
            continue
        lines = chunk.split("\n")
        if all(line.startswith(">") for line in lines):
            out.append(Block("addressee", "\n".join(line[1:].strip() for line in lines)))
        elif chunk.startswith("# "):
            out.append(Block("title", chunk[2:].strip()))
        else:
            out.append(Block("paragraph", chunk))
    return out


def document_text(template: Template, answers: Mapping[str, str | None]) -> list[Block]:
    """The filled document, then the memo on a page of its own (easy to leave unprinted).

    The body is split into blocks before it is filled, so a typed answer that starts with
    «# » or «> » stays the person's words and never becomes a title or an addressee block."""
    filled = [Block(b.kind, fill(template, answers, b.text)) for b in blocks(template.body)]
    return [*filled, Block("page", ""), *blocks(memo(template))]


def to_docx(parts: list[Block]) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Cm, Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    for block in parts:
        if block.kind == "page":
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            continue
        paragraph = document.add_paragraph()
        lines = block.text.split("\n")
        for number, line in enumerate(lines):
            run = paragraph.add_run(line)
            run.bold = block.kind == "title"
            if number < len(lines) - 1:
                run.add_break()
        if block.kind == "addressee":  # the right half of the page, as Russian forms have it
            paragraph.paragraph_format.left_indent = Cm(ADDRESSEE_INDENT_MM / 10)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        elif block.kind == "title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


def to_pdf(parts: list[Block]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    # Embedded (as a subset): a fresh machine needs no system font for Cyrillic.
    pdf.add_font("DejaVu", "", str(FONT_REGULAR))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.add_page()
    for block in parts:
        if block.kind == "page":
            pdf.add_page()
            continue
        pdf.set_font("DejaVu", "B" if block.kind == "title" else "", 11)
        align = {"addressee": "L", "title": "C"}.get(block.kind, "J")
        for line in block.text.split("\n"):
            if block.kind == "addressee":  # the right half of the page
                pdf.set_x(pdf.l_margin + ADDRESSEE_INDENT_MM)
            pdf.multi_cell(0, 5.5, line, align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())


def render(template: Template, answers: Mapping[str, str | None], fmt: str) -> bytes:
    """The filled document as bytes in `fmt` ("docx" or "pdf"), built in memory."""
    parts = document_text(template, answers)
    return to_docx(parts) if fmt == "docx" else to_pdf(parts)


def file_name(template: Template, fmt: str) -> str:
    return f"{template.filename}.{fmt}"
