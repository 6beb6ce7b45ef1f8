"""Text that cannot become a live link: what alerts, announcements and moderators' copies of
reports show of what someone typed.

Telegram turns bare web addresses, e-mail addresses and @usernames into tappable links on its
own, with no markup. A taken-over moderator account (or a reporter) could otherwise send every
subscriber, or the moderators, one tap away from a phishing page or an impostor bot. Defanged
text stays readable and copyable: `example[.]com`, `hxxps[:]//…`, `[@]name`.
"""

from __future__ import annotations

import re

# Top-level domains written in Cyrillic that Telegram links (".рф", ".москва", …); any ASCII
# top-level domain of two letters or more is treated as one.
_CYRILLIC_TLDS = "рф|рус|москва|онлайн|сайт|орг|ком|дети|бел|укр|срб|мкд|қаз|мон|католик"
# A host: labels joined by dots, the last a plausible top-level domain. Dots may be spelled
# with spaces around them ("example . com") in text that is read by people, not Telegram: only
# what Telegram itself would link is caught.
HOST = re.compile(
    rf"(?<![\w.])((?:[\w-]+\.)+)((?:[a-z]{{2,24}}|{_CYRILLIC_TLDS})(?!\w))",
    re.IGNORECASE,
)
# The dot before anything that could end a host: every label boundary of every address goes
# (`sub[.]evil[.]com`, `x[.]xx-`), and "м.Тверская" or "e.g." stay as they are.
_HOST_DOT = re.compile(rf"(?<=[\w-])\.(?=(?:[a-z]{{2,24}}|{_CYRILLIC_TLDS})(?!\w))", re.IGNORECASE)
SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*):(//|\\\\)")
# Telegram usernames: 5 to 32 letters, digits and underscores; a mention is '@' at a word start.
MENTION = re.compile(r"(?<![\w@])@(?=[A-Za-z0-9_]{4,32}(?![A-Za-z0-9_]))")


def defang(text: str) -> str:
    """The text with every web address, e-mail domain and @mention made inert."""
    text = SCHEME.sub(lambda m: f"{_defang_scheme(m[1])}[:]{m[2]}", text)
    text = _HOST_DOT.sub("[.]", text)
    return MENTION.sub("[@]", text)


def _defang_scheme(scheme: str) -> str:
    return re.sub("(?i)tt", lambda m: "xx" if m[0].islower() else "XX", scheme, count=1)


def has_live_link(text: str) -> bool:
    """Whether Telegram would (by our reading of its rules) make a link of part of `text`."""
    return bool(HOST.search(text) or MENTION.search(text) or SCHEME.search(text))
