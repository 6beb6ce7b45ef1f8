"""Every catalogue key is used: a key nothing says any more is a text nobody checks, and it
drifts from what the bot does (report-rate-limited promised a draft the bot deleted)."""

from __future__ import annotations

import re
from collections import Counter

from fluent.syntax import FluentParser, ast

from bot.config import REPO_ROOT

LOCALES = REPO_ROOT / "content" / "locales"

# Keys the code builds from a stem and a value, with where: they never appear whole.
BUILT = {
    r"place-[a-z]+": "PlaceType.label_key (bot/services/reports.py), moderation screens",
    r"when-[a-z]+": "TimeBucket.label_key (bot/services/reports.py), alert texts",
    r"certainty-[a-z]+": "Certainty.label_key (bot/services/alert_text.py)",
    r"advice-[a-z]+": "Advice.label_key (bot/services/alert_text.py)",
    r"alert-(withdrawn|expired|replaced)": "Closing.label_key (bot/services/alert_text.py)",
    r"mod-reject-[a-z]+": "RejectReason.label_key (bot/services/review.py)",
    r"feedback-(still|gone)": "handlers/feedback.py, f'feedback-{vote}'",
    r"language-name-[a-z]+": "handlers/language.py, f'language-name-{code}'",
    r"verify-status-[a-z]+": "handlers/verify.py, f'verify-status-{alert.state}'",
    r"report-edit-[a-z]+": "handlers/report/callbacks.py, the review screen's edit buttons",
    r"pd-kind-[a-z]+": "the kinds of personal data (bot/services/personal_data.py)",
    r"report-(limit|group)-(wait|soon)": "handlers/report/handlers.py, _wait_note",
    r"report-(rate-limited|group-full)-(kept|lost)": "handlers/report/screens.py",
    r"mod-group(-button)?-unknown": "handlers/moderation/screens.py, _counted",
    r"zone-[a-z0-9-]+": "bot/services/local_time.py, one per zone of content/regions.toml",
    r"dl-(event|title)-[a-z]+": "handlers/deadlines.py, one per Event (bot/services/deadlines.py)",
    r"dl-(kind|basis|note)-[a-z-]+": "handlers/deadlines.py, one per Kind of deadline",
    r"dl-counting-[a-z-]+": "handlers/deadlines.py, one per Counting",
    r"dl-problem-[a-z-]+": "handlers/deadlines.py, one per typed_dates.Problem and conflict",
}

# A whole appearance of a key: neither a word character nor a hyphen on either side.
WORD_RUN = re.compile(r"[\w-]+")
# A key's own definition in a catalogue, which does not count as a use.
DEFINITION = re.compile(r"(?m)^([\w-]+) =")


def _keys(lang: str) -> set[str]:
    keys: set[str] = set()
    for path in (LOCALES / lang).glob("*.ftl"):
        for entry in FluentParser().parse(path.read_text(encoding="utf-8")).body:
            if isinstance(entry, ast.Message):
                keys.add(entry.id.name)
    return keys


def _sources() -> str:
    """What may name a key: the code, and content files (and catalogue references)."""
    texts = [
        p.read_text(encoding="utf-8")
        for d in ("bot", "handlers")
        for p in (REPO_ROOT / d).rglob("*.py")
    ]
    for path in (REPO_ROOT / "content").rglob("*"):
        if path.is_file() and path.suffix in (".toml", ".md", ".ftl"):
            texts.append(path.read_text(encoding="utf-8"))
    return "\n".join(texts)


def unused(keys: set[str], sources: str) -> list[str]:
    """The keys that appear nowhere whole (outside their own `key =` definition lines) and match
    no built pattern. A whole appearance is a maximal run of word characters and hyphens, so
    the sources are split into such runs once, not searched again for every key."""
    runs = Counter(WORD_RUN.findall(sources))
    definitions = Counter(DEFINITION.findall(sources))
    return sorted(
        key
        for key in keys
        if runs[key] <= definitions[key]
        and not any(re.fullmatch(pattern, key) for pattern in BUILT)
    )


def test_every_catalogue_key_is_used() -> None:
    sources = _sources()
    for lang in ("ru", "en"):
        assert unused(_keys(lang), sources) == [], lang


def test_an_unused_key_is_found() -> None:
    sources = "tr('used-key')\nused-key = x\nunused-key = y\n"
    assert unused({"used-key", "unused-key", "place-metro"}, sources) == ["unused-key"]


def test_the_removed_keys_stay_gone() -> None:
    gone = {"report-rate-limited", "report-group-full", "report-text-kept", "check-more"}
    gone.add("report-text-use-kept-hint")
    for lang in ("ru", "en"):
        assert gone.isdisjoint(_keys(lang)), lang


def _unused_patterns() -> list[str]:
    """A built pattern that matches no key any more is stale."""
    keys = _keys("ru")
    return [p for p in BUILT if not any(re.fullmatch(p, key) for key in keys)]


def test_every_built_pattern_still_matches_a_key() -> None:
    assert _unused_patterns() == []
