"""Document templates: the shipped ones are complete and ask nothing identifying; filling leaves
no placeholder; the .docx parses back with python-docx and the PDF's Cyrillic survives pypdf;
nothing is written while a document is built; the validator names each problem."""

from __future__ import annotations

import builtins
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from bot.config import REPO_ROOT
from bot.content.faq import ContentError
from bot.documents.answers import clean_text, parse_date, sample_answers, variants
from bot.documents.render import MEMO_TITLE, document_text, fill, render
from bot.documents.templates import IDENTIFYING, MAX_TEXT, TemplateCatalog, parse_template
from tests.support.documents import docx_text, pdf_text, squeeze

TEMPLATES = REPO_ROOT / "content" / "templates"
LEGAL_FACTS = Path("/work/shared/legal-facts.md")
# What a question must never ask for: the document keeps a blank instead.
ASKS_IDENTITY = re.compile(
    r"ваше имя|ваша фамилия|\bфио\b|паспорт|ваш адрес|дата рождения|your name|passport|"
    r"your address|date of birth|phone number\?",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def catalog() -> TemplateCatalog:
    return TemplateCatalog.load(TEMPLATES)


def test_the_shipped_templates_cover_section_16(catalog: TemplateCatalog) -> None:
    ids = {t.id for t in catalog.templates}
    assert ids == {
        "regional-complaint",
        "regional-complaint-category",
        "ags-application",
        "fine-complaint",
        "court-claim",
    }
    for template in catalog.templates:
        assert template.reviewed == dt.date(2026, 12, 6), template.id
        assert template.sources and "16." in " ".join(template.facts)
        assert any(f.startswith("15.") for f in template.facts), "the deadline rule"


def test_no_question_asks_who_the_person_is(catalog: TemplateCatalog) -> None:
    for template in catalog.templates:
        for question in template.questions:
            assert question.id not in IDENTIFYING
            for lang in ("ru", "en"):
                assert not ASKS_IDENTITY.search(question.prompt[lang]), (template.id, question.id)
        blanks = " ".join(template.blanks.values())
        assert "фамилия, имя, отчество" in blanks, f"{template.id}: a blank for the name"


def test_every_fact_cited_exists_in_the_fact_base(catalog: TemplateCatalog) -> None:
    if not LEGAL_FACTS.exists():
        pytest.skip("the fact base lives outside the repository")
    numbers = set(re.findall(r"^\*\*(\d+\.\d+) ", LEGAL_FACTS.read_text(encoding="utf-8"), re.M))
    for template in catalog.templates:
        missing = set(template.facts) - numbers
        assert not missing, f"{template.id}: {sorted(missing)}"


@pytest.mark.parametrize("variant", [None, 0, 1, 2, 3])
def test_filling_leaves_no_placeholder(catalog: TemplateCatalog, variant: int | None) -> None:
    for template in catalog.templates:
        if variant is None:
            answers: dict[str, str | None] = {q.id: None for q in template.questions}
        else:
            answers = sample_answers(template, variant)
        text = fill(template, answers)
        assert not re.search(r"\{[a-z_]*\}", text), template.id
        for question in template.questions:
            if answers[question.id] is None:
                assert question.blank in text
            elif answers[question.id]:
                assert str(answers[question.id]) in text


def test_a_typed_answer_is_never_expanded(catalog: TemplateCatalog) -> None:
    template = catalog.get("regional-complaint")
    assert template is not None
    text = fill(template, {"reasons": "см. {name} и {region}"})
    assert "см. {name} и {region}" in text
    assert "[фамилия, имя, отчество — заполните сами]" in text


def test_every_option_is_rendered_by_some_variant(catalog: TemplateCatalog) -> None:
    for template in catalog.templates:
        seen = {
            answer
            for n in range(variants(template))
            for answer in sample_answers(template, n).values()
        }
        for question in template.questions:
            assert {o.text for o in question.options} <= seen


def test_docx_parses_back_with_the_answers(catalog: TemplateCatalog) -> None:
    template = catalog.get("ags-application")
    assert template is not None
    data = render(template, {"reasons": "Я пацифист: «нет» оружию — ёжик № 5"}, "docx")
    assert data.startswith(b"PK")
    text = docx_text(data)
    assert "Я пацифист: «нет» оружию — ёжик № 5" in text
    assert "ЗАЯВЛЕНИЕ о замене военной службы по призыву альтернативной гражданской службой" in text
    assert MEMO_TITLE in text and "Сохраните копию документа" in text


def test_pdf_keeps_cyrillic_and_embeds_the_font(catalog: TemplateCatalog) -> None:
    template = catalog.get("court-claim")
    assert template is not None
    data = render(template, {"reasons": "Щука, ёлка, «кавычки», № 7"}, "pdf")
    assert data.startswith(b"%PDF-")
    assert b"/FontFile2" in data and b"DejaVu" in data  # embedded: no system font needed
    text = squeeze(pdf_text(data))
    assert "Щука, ёлка, «кавычки», № 7" in text
    assert "АДМИНИСТРАТИВНОЕ ИСКОВОЕ ЗАЯВЛЕНИЕ" in text
    assert "300" not in text and "3 000" not in text  # the court fee is a blank (16.3, P7)


def test_building_a_document_writes_nothing(
    catalog: TemplateCatalog, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Only reads (the fonts, the libraries' own package data): no file opened for writing."""
    opened: list[tuple[str, str]] = []
    real_open = builtins.open

    def spy(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        opened.append((str(file), mode))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    for template in catalog.templates:
        for fmt in ("docx", "pdf"):
            render(template, sample_answers(template, 0), fmt)
    assert not [f for f, mode in opened if set(mode) & set("wax+")]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("15.03.2026", "15.03.2026"),
        ("1.2.2026", "01.02.2026"),
        ("01/02/2026", "01.02.2026"),
        ("01-02-2026 г.", "01.02.2026"),
        ("31.02.2026", None),
        ("15.03.1999", None),
        ("15.03.2027", None),  # after tomorrow: a typo
        ("07.12.2026", "07.12.2026"),  # Moscow's tomorrow may be the person's today
        # As /deadlines reads them: people type dates this way, frightened or not.
        ("вчера", "05.12.2026"),
        ("3 дня назад", "03.12.2026"),
        ("15.03.26", "15.03.2026"),
        ("12.11", "12.11.2026"),
        ("12 ноября", "12.11.2026"),
        ("11/12", None),  # 11 December or 12 November: asked again, never guessed
        ("12 декабря", "12.12.2025"),  # no year, and this year's is still ahead: last year's
        ("завтра бы", None),
    ],
)
def test_dates(typed: str, expected: str | None) -> None:
    assert parse_date(typed, dt.date(2026, 12, 6)) == expected


def test_clean_text() -> None:
    assert clean_text("  a\n\n\nb  ") == "a\nb"
    assert clean_text("   \n ") is None
    assert len(clean_text("я" * (MAX_TEXT + 10)) or "") == MAX_TEXT


def test_control_and_invisible_characters_are_dropped() -> None:
    # NUL, vertical tab and ESC crash python-docx; bidi marks and zero-width spaces have no
    # glyph in the PDF font. A tab is a space.
    assert clean_text("a\x0bb\x00c\x1bd\u200be\u200ff\u202eg\th") == "abcdefg h"
    assert clean_text("\u200b\u200e\x00") is None
    assert clean_text("Привет 👮 & <b>") == "Привет 👮 & <b>"


ODD_ANSWERS = [
    "<b>жирный</b> & ]]> <![CDATA[x]]> {name} {region} %s {0}",
    "строка\n\n\nещё строка",
    "a\x0bb\x00c\x1bd",
    "нулевая\u200bширина и \u200fметка",
    "# Заголовок в ответе",
    "> Не адресат\n> а текст человека",
    "слово " * 660,
    "я" * MAX_TEXT,
]


@pytest.mark.parametrize("raw", ODD_ANSWERS)
def test_odd_answers_open_in_both_formats_as_typed(catalog: TemplateCatalog, raw: str) -> None:
    template = catalog.get("regional-complaint")
    assert template is not None
    typed = clean_text(raw)
    assert typed is not None
    answers = {**sample_answers(template, 0), "reasons": typed}
    kinds = [block.kind for block in document_text(template, sample_answers(template, 0))]
    assert [block.kind for block in document_text(template, answers)] == kinds
    docx = docx_text(render(template, answers, "docx"))
    assert typed in docx
    pdf = squeeze(pdf_text(render(template, answers, "pdf")))
    if set(typed) == {"я"}:  # one long word: the PDF breaks it wherever the line ends
        assert pdf.replace(" ", "").count("я") >= MAX_TEXT
    else:
        assert squeeze(typed)[:60] in pdf
    for text in (docx, pdf):
        assert "{reasons}" not in text and "{signed}" not in text


BROKEN = """
id = "broken"
filename = "broken"
sources = ["53-ФЗ ст. 28 п. 7"]
facts = ["16.1", "sixteen"]
reviewed = 2026-12-06
body = "{region} {reasons} {missing} [x]"
title = {ru = "Т", en = "T"}
summary = {ru = "Т", en = "T"}
where = {ru = "Т", en = "T"}
deadline = {ru = "Т", en = "T"}
warning = {ru = "Т"}

[blanks]
unused = "[не используется]"
plain = "no brackets"

[[questions]]
id = "name"
kind = "text"
blank = "[ФИО]"
prompt = {ru = "Как вас зовут?", en = "Your name?"}

[[questions]]
id = "region"
kind = "region"
blank = "[регион]"
prompt = {ru = "Регион?", en = "Region?"}
order = 3
"""


def test_the_validator_names_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        parse_template(path)
    problems = "\n".join(caught.value.problems)
    assert all(line.startswith(f"{path}: ") for line in caught.value.problems)
    assert "fact 'sixteen' is not an entry number" in problems
    assert "`warning.en` is missing or empty" in problems
    assert "`blanks` must map names to texts in square brackets" in problems
    assert "question 'name' asks what identifies the person" in problems
    assert "question 'region': unknown key `order`" in problems


def test_placeholders_without_question_or_blank(tmp_path: Path) -> None:
    source = (TEMPLATES / "fine-complaint.toml").read_text(encoding="utf-8")
    path = tmp_path / "fine-complaint.toml"
    path.write_text(source.replace("{penalty}", "{penalti}"), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        TemplateCatalog.load(tmp_path)
    assert caught.value.problems == [
        f"{path}: placeholder {{penalti}} has no question and no blank",
        f"{path}: blank {{penalty}} is never used in the body",
    ]


def test_the_summary_counts_the_questions_right(catalog: TemplateCatalog) -> None:
    for template in catalog.templates:
        count = len(template.questions)
        assert f"задаст {count} вопрос" in template.summary["ru"], template.id
        assert f"asks {count} questions" in template.summary["en"], template.id
