"""Does a report text look like it carries personal data? The report form asks before sending.

A raid report needs a place, a time and what was seen; a phone number, a name or a flat number
in it can identify the reporter, a relative or a bystander to whoever reads or seizes it. This
is a warning, not a filter: the person sees what kind of thing was found and decides (edit, or
send anyway). So it must be quiet on ordinary reports ("у метро Выхино, 5 полицейских, 2
автобуса, с 18:00") and the rules below are chosen for that; tests/data/personal_data.toml is
the test set both ways. The rules, by kind:

- PHONE: a run of digits with single spaces, dashes or brackets between them, read whole:
  "+" and 10-15 digits; 11 digits starting 7 or 8; 10 digits starting 9 (a mobile without
  its prefix); 11-13 digits starting with a neighbouring country's code; or any run of 7-12
  digits ending "-dd-dd" whose first group has 3 digits or more ("123-45-67", "495
  123-45-67"). Times (18:00), dates (12.05.2024) and ranges ("5 - 7") never form such a
  run; a run of only dashed dates and times ("2024-12-05", "18-00 - 20-00") or of amounts
  in thousands ("150 000-200 000") is no number at all.
- DOCUMENT: any other such run of 9 digits or more (passport "4512 345678", SNILS, INN, a
  card); two capital Cyrillic letters and 7 digits (a military ID, "АН 1234567"); or
  "паспорт", "серия", "военный билет", "СНИЛС", "ИНН", "удостоверение", "passport" followed
  within 30 characters by a run of 6 digits or more. "№" or "номер" alone are route numbers.
- EMAIL: name@domain.tld. HANDLE: a Telegram @username (5-32 characters), or a t.me, vk.com,
  ok.ru, instagram.com, facebook.com, x.com or twitter.com profile address.
- NAME, in Cyrillic: a capitalised (or all-capitals) word before a patronymic in -ович,
  -евич, -овна, -евна, -ична, -инична, in any case ("Фамилия Имя Отчество", "Имя
  Отчество"; a few toponym words such as "Площадь" are not a first name, and a name after
  a place word is the place's: "проспект Андрея Дмитриевича Сахарова"); a known first name
  before a short or spoken patronymic ("Иван Ильич", "Сергей Михалыч", lower case too); or
  a surname with two initials ("Петров А. В.", "А.В. Петров"). In Latin letters only with a
  patronymic ("Ivan Petrovich"). Two capitalised words alone are never a name: "Firstname
  Lastname" would flag stations and streets ("Бульвар Дмитрия Донского", "Red Square"), and a
  surname alone is a street ("ул. Иванова").
- FLAT: a flat or room number ("кв. 12", "квартира 5", "комн. 305", "apt 4", "flat 3"). A
  house number alone is where a raid was, which is the report's point, and "5-12" is too
  often a range.
- BIRTH: a year or date of birth ("2003 г.р.", "1999 года рождения", "д.р. 12.03.2001").

Pure: no aiogram, no I/O, nothing logged. Bounded: linear regular expressions over text the
form already caps at 1,000 characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache


class PersonalDataKind(StrEnum):
    """What was found; the order is the order a warning lists them in."""

    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    HANDLE = "handle"
    DOCUMENT = "document"
    FLAT = "flat"
    BIRTH = "birth"

    @property
    def label_key(self) -> str:
        """Its catalogue key (content/locales/*/safety.ftl)."""
        return f"pd-kind-{self.value}"


@dataclass(frozen=True)
class Finding:
    kind: PersonalDataKind
    start: int
    end: int


# One character for one, so that positions in the normalised text are positions in the text.
_SAME_WIDTH = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-"),
        **dict.fromkeys("\u00a0\u2007\u2009\u200a\u202f\u3000", " "),
        "\uff08": "(",
        "\uff09": ")",
        "\uff0b": "+",
    }
)

# Digits with at most two separators (space, dash, bracket) between each two.
_DIGIT_RUN = re.compile(r"(?<![\w+])(?:\+ ?)?\(?\d(?:[ \-()]{0,3}\d){6,18}")
_CITY_TAIL = re.compile(r"\d{2}-\d{2}$")
_FIRST_GROUP = re.compile(r"\d+")
# Runs that are only dates and times written with dashes ("2024-12-05", "18-00 - 20-00",
# "15-20 20-30"), or only amounts grouped in thousands ("150 000-200 000"): never a number.
_DATE_OR_TIME = (
    r"(?:(?:19|20)\d\d-[01]\d-[0-3]\d|[0-3]\d-[01]\d-(?:(?:19|20))?\d\d|[0-2]\d-[0-5]\d)"
)
_DATES_AND_TIMES = re.compile(rf"{_DATE_OR_TIME}(?:[ \-]+{_DATE_OR_TIME})*")
_THOUSANDS = r"\d{1,3}(?: \d{3})+"
_AMOUNTS = re.compile(rf"{_THOUSANDS}(?: ?- ?{_THOUSANDS})?")
_NEIGHBOUR_CODES = ("380", "375", "373", "374", "992", "993", "994", "995", "996", "998")
_MILITARY_ID = re.compile(r"(?<!\w)[А-ЯЁ]{2} ?№? ?\d{7}(?!\d)")
_DOCUMENT_WORD = re.compile(
    r"(?i)(?<!\w)(?:паспорт\w*|сери[яиюей]|военн\w* билет\w*|в/б|снилс\w*|инн|"
    r"удостоверени\w*|passport\w*)\b[^\n]{0,30}?\d(?:[ \-]?\d){5,}"
)
_EMAIL = re.compile(r"(?<![\w.%+\-])[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}(?!\w)")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{4,31}(?![A-Za-z0-9_])")
_PROFILE = re.compile(
    r"(?i)(?<![\w.])(?:https?://)?(?:www\.)?"
    r"(?:t\.me|telegram\.me|vk\.com|vk\.ru|ok\.ru|instagram\.com|facebook\.com|fb\.com|"
    r"x\.com|twitter\.com)/[\w.\-]{3,}"
)
_FLAT = re.compile(
    r"(?i)(?<!\w)(?:кв|квартир[аеуыой]?|комн|комнат[аеуыой]?|apt|apartment|flat)\.? ?(?:№|#)? ?"
    r"\d{1,4}(?![\d:])"
)
_BIRTH = re.compile(
    r"(?i)(?<!\d)(?:19|20)\d{2} ?(?:г\. ?р\.?|г\.? ?р(?!\w)|года? рождения|г\. рождения)"
    r"|(?<!\w)(?:д\. ?р\.?|дата рождения|date of birth|born)[ :]{0,3}\d{1,2}[./]\d{1,2}[./]\d{2,4}"
)

# Names. A capitalised or all-capitals Cyrillic word; a patronymic's endings, in every case.
_CAP = r"(?:[А-ЯЁ][а-яё]+|[А-ЯЁ]{2,})(?:-(?:[А-ЯЁ][а-яё]+|[А-ЯЁ]{2,}))?"
_STRONG_PATRONYMIC = (
    r"[А-ЯЁ][А-Яа-яЁё]*?(?i:(?:ович|евич)(?:а|у|ем|е)?|(?:овн|евн|ичн)(?:а|ы|е|у|ой|ою))"
)
_CAP_BEFORE_PATRONYMIC = re.compile(rf"(?<!\w)(?P<first>{_CAP}) +{_STRONG_PATRONYMIC}(?!\w)")
_WORD_PAIR = re.compile(r"(?<!\w)(?P<first>[А-Яа-яЁё]{2,}) +(?P<second>[А-Яа-яЁё]{3,})(?!\w)")
_SPOKEN_PATRONYMIC = re.compile(
    r"(?i)\w+(?:ович|евич)(?:а|у|ем|е)?|\w+(?:овн|евн|ичн)(?:а|ы|е|у|ой|ою)|\w{2,}[иы]ч(?:а|у|ем|е)?"
)
_INITIALS = re.compile(
    rf"(?<!\w)(?P<first>{_CAP}) +[А-ЯЁ]\. ?[А-ЯЁ]\.(?!\w)"
    r"|(?<![\w.])[А-ЯЁ]\. ?[А-ЯЁ]\. ?[А-ЯЁ][а-яё]{2,}"
)
_LATIN_NAME = re.compile(r"(?<!\w)[A-Z][a-z]+ +[A-Z][a-z]*(?:ovich|evich|ovna|evna|ichna)(?!\w)")


def _words(text: str) -> list[str]:
    return text.split()


# Capitalised words that come before a name-like word in toponyms, never a first name.
_NOT_FIRST_NAMES = frozenset(
    _words(
        "улица площадь проспект переулок бульвар шоссе набережная станция метро парк сквер мост "
        "тупик проезд аллея район посёлок поселок село деревня город вокзал линия остров"
    )
)

# Words (and their case forms, by stem) naming a place after a person: the person's full name
# follows ("улица Маршала ...", "памятник Александру Сергеевичу Пушкину", "школа имени ...").
_PLACE_STEMS = tuple(
    _words(
        "улиц проспект переул бульвар площад шоссе набережн станци метро памятник имени музе "
        "театр парк сквер аллее аллея аллеи завод школ гимнази лице институт университет "
        "больниц поликлиник библиотек дворц дворец тупик проезд стадион колледж академи "
        "фабрик комбинат"
    )
)
_PLACE_ABBREVIATIONS = frozenset(_words("ул пр пр-т просп пер б-р бул пл ш наб ст м им дк"))

# Common first names (Russian, and of the neighbouring countries people come from), for the
# short patronymics only: "Иван Ильич", "Сергей Михалыч".
_FIRST_NAMES = _words(
    "александр алексей анатолий андрей антон аркадий арсений артём артем артур богдан борис "
    "вадим валентин валерий василий виктор виталий владимир владислав всеволод вячеслав геннадий "
    "георгий герман глеб григорий даниил данила денис дмитрий евгений егор захар иван игорь илья "
    "кирилл константин лев леонид максим марк матвей михаил никита николай олег павел пётр петр "
    "роман руслан семён семен сергей станислав степан тимофей тимур фёдор федор филипп эдуард "
    "юрий яков ярослав рустам фаррух бахтиёр бахтиер алишер азамат ахмед магомед шамиль "
    "александра алёна алена алла анастасия ангелина анна валентина валерия вера вероника "
    "виктория галина дарья евгения екатерина елена елизавета жанна зоя инна ирина карина "
    "кристина ксения лариса лидия любовь людмила маргарита марина мария надежда наталья "
    "наталия нина оксана ольга полина раиса светлана софья софия тамара татьяна ульяна юлия "
    "яна гульнара зарина"
)
_STEM_IRREGULAR = {"павел": "павл", "пётр": "петр", "петр": "петр", "лев": "льв"}


@cache
def _first_name_forms() -> frozenset[str]:
    """Every case form of the first names, by their endings (over-generating is harmless)."""
    forms: set[str] = set()
    for name in _FIRST_NAMES:
        forms.add(name)
        if name.endswith("ия"):
            forms.update(name[:-1] + e for e in ("и", "ю", "ей", "ею"))
        elif name[-1] in "ая":
            forms.update(name[:-1] + e for e in ("ы", "и", "е", "у", "ю", "ой", "ей", "ою", "ею"))
        elif name[-1] in "йь":
            forms.update(name[:-1] + e for e in ("я", "ю", "ем", "ём", "е"))
        else:
            stem = _STEM_IRREGULAR.get(name, name)
            forms.update(stem + e for e in ("а", "у", "ом", "е"))
    return frozenset(forms)


def find_personal_data(text: str) -> list[Finding]:
    """What in `text` looks like personal data, in text order, no two overlapping."""
    text = text.translate(_SAME_WIDTH)
    found = [
        *_numbers(text),
        *_matches(_MILITARY_ID, text, PersonalDataKind.DOCUMENT),
        *_matches(_DOCUMENT_WORD, text, PersonalDataKind.DOCUMENT),
        *_matches(_EMAIL, text, PersonalDataKind.EMAIL),
        *_matches(_MENTION, text, PersonalDataKind.HANDLE),
        *_matches(_PROFILE, text, PersonalDataKind.HANDLE),
        *_matches(_FLAT, text, PersonalDataKind.FLAT),
        *_matches(_BIRTH, text, PersonalDataKind.BIRTH),
        *_names(text),
    ]
    return _outermost(found)


def kinds_of(findings: list[Finding]) -> list[PersonalDataKind]:
    """The kinds found, each once, in PersonalDataKind's order."""
    present = {f.kind for f in findings}
    return [kind for kind in PersonalDataKind if kind in present]


def _matches(pattern: re.Pattern[str], text: str, kind: PersonalDataKind) -> list[Finding]:
    return [Finding(kind, m.start(), m.end()) for m in pattern.finditer(text)]


def _numbers(text: str) -> list[Finding]:
    """Runs of digits read whole: a phone, a document number, or nothing."""
    found = []
    for match in _DIGIT_RUN.finditer(text):
        kind = _number_kind(match.group(0).rstrip(" -("))
        if kind is not None:
            found.append(Finding(kind, match.start(), match.end()))
    return found


def _number_kind(run: str) -> PersonalDataKind | None:
    digits = "".join(ch for ch in run if ch.isdigit())
    count = len(digits)
    if run.startswith("+"):
        return PersonalDataKind.PHONE if 10 <= count <= 15 else None
    if _DATES_AND_TIMES.fullmatch(run) or _AMOUNTS.fullmatch(run):
        return None
    if (
        (count == 11 and digits[0] in "78")
        or (count == 10 and digits[0] == "9")
        or (11 <= count <= 13 and digits.startswith(_NEIGHBOUR_CODES))
        or (count in (7, 10) and _CITY_TAIL.search(run) and _city_code_first(run))
    ):
        return PersonalDataKind.PHONE
    return PersonalDataKind.DOCUMENT if count >= 9 else None


def _city_code_first(run: str) -> bool:
    """A city number ("123-45-67", "(495) 123-45-67") opens with three digits or more; two
    ("18-00 - 20-00") is a time."""
    first = _FIRST_GROUP.search(run)
    return first is not None and len(first.group(0)) >= 3


def _after_place_word(text: str, start: int) -> bool:
    """Is the word before `start` a kind of place ("проспект Андрея Дмитриевича Сахарова",
    "памятник Александру Сергеевичу")? Then the name is the place's, not a person's."""
    before = text[:start].rstrip()
    word = before[before.rfind(" ") + 1 :].lower().rstrip(".")
    word = word[word.rfind("\n") + 1 :]
    return word in _PLACE_ABBREVIATIONS or word.startswith(_PLACE_STEMS)


def _names(text: str) -> list[Finding]:
    found = [
        Finding(PersonalDataKind.NAME, m.start(), m.end())
        for pattern in (_CAP_BEFORE_PATRONYMIC, _INITIALS)
        for m in pattern.finditer(text)
        if (m.group("first") or "").lower() not in _NOT_FIRST_NAMES
        and not _after_place_word(text, m.start())
    ]
    found += _matches(_LATIN_NAME, text, PersonalDataKind.NAME)
    names = _first_name_forms()
    for pos in range(len(text)):  # overlapping pairs: "Иван Иваныч" after any word
        if pos and text[pos - 1].isalpha():
            continue
        pair = _WORD_PAIR.match(text, pos)
        if pair is None:
            continue
        first, second = pair.group("first"), pair.group("second")
        if (
            first.lower() in names
            and _SPOKEN_PATRONYMIC.fullmatch(second)
            and not _after_place_word(text, pos)
        ):
            found.append(Finding(PersonalDataKind.NAME, pair.start(), pair.end()))
    return found


def _outermost(found: list[Finding]) -> list[Finding]:
    """Sorted by position; a finding inside (or overlapping) an earlier, longer one is dropped:
    the digits of an e-mail address are not a phone too."""
    ordered = sorted(found, key=lambda f: (f.start, -f.end))
    kept: list[Finding] = []
    for finding in ordered:
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(finding)
    return kept
