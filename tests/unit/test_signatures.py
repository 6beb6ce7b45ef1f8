"""Signed alerts: what is signed is the text as people copy it; one changed word breaks it."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.crypto.keyring import UnlockedKeyring, init_keyring
from bot.services.added_links import added_links
from bot.services.signatures import (
    SIGNATURE_SEPARATOR,
    canonical,
    issuer_of,
    sign_alert,
    verify_alert,
    visible_text,
)
from tests.support.keys import PASSPHRASE_BYTES as PASSPHRASE

ALERT_ID = "a1b2c3d4"
ISSUED = "<i>Выпущено ботом @helpline_bot</i>"

ALERT = (
    "⚠️ <b>Рейд: Москва</b>\nГде: м. Курская &amp; выход 2\nМесто: Метро, станция\n"
    "Когда: Прямо сейчас\nОдно сообщение, не подтверждено.\n\nЧто делать: обойдите это место."
)


@pytest.fixture(scope="module")
def ring(tmp_path_factory: pytest.TempPathFactory) -> UnlockedKeyring:
    keys = tmp_path_factory.mktemp("keys") / "keys"
    init_keyring(keys, PASSPHRASE, dt.date(2026, 11, 30))
    return UnlockedKeyring.unlock(keys, PASSPHRASE)


def test_the_copied_text_verifies_and_a_changed_word_does_not(ring: UnlockedKeyring) -> None:
    signed = sign_alert(ring, ALERT, ALERT_ID, issued_by=ISSUED)
    copied = visible_text(signed)  # what a reader copies from Telegram
    assert "<b>" not in copied and "Курская & выход 2" in copied and "🔏 sig:" in copied
    verdict = verify_alert(ring.signing_public, copied)
    assert verdict.genuine and (verdict.kind, verdict.alert_id) == ("alert", ALERT_ID)
    # Pasted text is checked exactly as given: markup is never stripped from it.
    assert not verify_alert(ring.signing_public, signed).genuine
    # Spaces and blank lines lost or added while copying do not matter.
    squeezed = copied.replace("\n\n", "\n").replace(": ", ":  ") + "\n\n"
    assert verify_alert(ring.signing_public, squeezed).genuine
    for changed in (
        copied.replace("Курская", "Сокол"),
        copied.replace("Москва", "Казань"),
        copied.replace("Одно сообщение, не подтверждено.", "Подтверждено."),
        copied.replace("выход 2", "выход 3"),
    ):
        verdict = verify_alert(ring.signing_public, changed)
        assert verdict.found and not verdict.genuine


def test_words_hidden_in_angle_brackets_break_the_signature(ring: UnlockedKeyring) -> None:
    copied = visible_text(sign_alert(ring, ALERT, ALERT_ID, issued_by=ISSUED))
    lines = copied.splitlines()
    lines[1] = lines[1].replace("Курская", "<NOT> Курская <moved to Сокол, Курская is safe>")
    lines[-1] = "<code>" + lines[-1]
    forged = "\n".join(lines) + "\n<UPDATE: the raid is over>"
    assert not verify_alert(ring.signing_public, forged).genuine


def test_the_kind_and_id_are_signed(ring: UnlockedKeyring) -> None:
    copied = visible_text(sign_alert(ring, ALERT, ALERT_ID, issued_by=ISSUED))
    as_announcement = copied.replace(f"sig:A.{ALERT_ID}", f"sig:N.{ALERT_ID}")
    other_id = copied.replace(f"sig:A.{ALERT_ID}", "sig:A.deadbeef")
    for changed in (as_announcement, other_id):
        verdict = verify_alert(ring.signing_public, changed)
        assert verdict.found and not verdict.genuine
    announced = visible_text(
        sign_alert(ring, ALERT, ALERT_ID, kind="announcement", issued_by=ISSUED)
    )
    assert verify_alert(ring.signing_public, announced).kind == "announcement"


def test_unsigned_and_garbled_signatures(ring: UnlockedKeyring) -> None:
    copied = visible_text(sign_alert(ring, ALERT, ALERT_ID, issued_by=ISSUED))
    unsigned = copied.split("🔏")[0]
    assert not verify_alert(ring.signing_public, unsigned).found
    garbled = copied[:-5] + "AAAAA"
    verdict = verify_alert(ring.signing_public, garbled)
    assert verdict.found and not verdict.genuine
    twice = copied + "\n" + copied.splitlines()[-1]
    assert not verify_alert(ring.signing_public, twice).genuine


def test_another_instance_key_does_not_verify(ring: UnlockedKeyring, tmp_path: Path) -> None:
    other_keys = tmp_path / "other"
    init_keyring(other_keys, PASSPHRASE, dt.date(2026, 11, 30))
    impostor = UnlockedKeyring.unlock(other_keys, PASSPHRASE)
    forged = visible_text(sign_alert(impostor, ALERT, ALERT_ID, issued_by=ISSUED))
    assert not verify_alert(ring.signing_public, forged).genuine


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_pasted_text_gets_an_answer(text: str) -> None:
    # Whatever is pasted, checking never raises and never says "genuine" without a signature.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    public = Ed25519PrivateKey.generate().public_key()
    verdict = verify_alert(public, text)
    assert not verdict.genuine


def signed_before_issuers(ring: UnlockedKeyring, markup: str, alert_id: str) -> str:
    """A text signed the way alerts were before they named their bot: no issued-by line."""
    signature = ring.sign(canonical("alert", alert_id, visible_text(markup)))
    encoded = base64.urlsafe_b64encode(signature).decode("ascii").rstrip("=")
    return f"{markup}{SIGNATURE_SEPARATOR}A.{alert_id}.{encoded}</code>"


def test_the_issuing_bot_is_named_in_the_signed_text(ring: UnlockedKeyring) -> None:
    copied = visible_text(sign_alert(ring, ALERT, ALERT_ID, issued_by=ISSUED))
    assert copied.splitlines()[-3] == "Выпущено ботом @helpline_bot"  # then a blank line
    assert verify_alert(ring.signing_public, copied).issuer == "helpline_bot"
    # The name is signed: another bot's name, or the line dropped, breaks the signature.
    for changed in (
        copied.replace("@helpline_bot", "@helpline_bot2"),
        copied.replace("@helpline_bot", "@impostor_helpline_bot"),
        copied.replace("Выпущено ботом @helpline_bot\n", ""),
    ):
        verdict = verify_alert(ring.signing_public, changed)
        assert verdict.found and not verdict.genuine and verdict.issuer is None


def test_texts_signed_before_the_issued_by_line_still_verify(ring: UnlockedKeyring) -> None:
    old = visible_text(signed_before_issuers(ring, ALERT, ALERT_ID))
    verdict = verify_alert(ring.signing_public, old)
    assert verdict.genuine and verdict.alert_id == ALERT_ID and verdict.issuer is None
    # A name added to an old text is not signed.
    lines = old.splitlines()
    named = "\n".join([*lines[:-1], "Issued by @impostor_bot", lines[-1]])
    assert not verify_alert(ring.signing_public, named).genuine


def test_nothing_is_signed_without_a_line_naming_the_bot(ring: UnlockedKeyring) -> None:
    for line in ("", "Issued by", "Issued by @abc", "<i>Issued by [@]helpline_bot</i>", "@a\n@b"):
        with pytest.raises(ValueError, match="issued-by"):
            sign_alert(ring, ALERT, ALERT_ID, issued_by=line)


def test_only_a_last_line_ending_in_a_username_names_the_issuer() -> None:
    assert issuer_of("Рейд\nIssued by @helpline_bot \n\n") == "helpline_bot"
    assert issuer_of("Issued by @helpline_bot\nAlert a1b2c3d4 valid until 07.12") is None
    assert issuer_of("Shelters: [@]fake_helpline") is None  # defanged: not a name
    assert issuer_of("write to x@helpline_bot") is None and issuer_of("") is None


def test_links_and_mentions_the_original_does_not_carry() -> None:
    signature = "🔏 sig:A.a1b2c3d4." + "Zm9v_-x" * 12 + "Zm"
    text = "Рейд: Москва\nвыход 2, м. Курская\nВыпущено ботом @helpline_bot\n\n" + signature
    own = [("mention", "@helpline_bot"), ("bot_command", "/sos"), ("bold", "Рейд")]
    assert not added_links(text, own, "helpline_bot")
    assert not added_links(text, [("mention", "@HelpLine_Bot")], "helpline_bot")
    for added in (
        [("text_link", "Москва")],
        [("text_mention", "Рейд")],
        [("mention", "@impostor_bot")],
        [("url", "evil.example")],
        [("email", "a@evil.example")],
    ):
        assert added_links(text, added, "helpline_bot"), added
    # Live addresses and mentions in the text itself, whatever entities came with it.
    for extra in ("@impostor_bot", "evil.example/x", "hxxps://x", "https://t.me/x", "a@b.ru"):
        assert added_links(text + "\n" + extra, [], "helpline_bot"), extra
    assert added_links(text, [], None)  # an old original names no bot at all
    assert not added_links("Shelters: evil[.]example, [@]fake_helpline", [], None)


def flattened(copied: str) -> str:
    """A copy whose signature line was joined onto the line before it (web copies, some
    clients): the blank line and the line break before the signature became one space."""
    body, signature = copied.rsplit("\n\n", 1)
    return f"{body} {signature}"


def test_a_signature_joined_onto_the_last_line_is_found(ring: UnlockedKeyring) -> None:
    copied = visible_text(sign_alert(ring, ALERT, ALERT_ID, issued_by=ISSUED))
    joined = flattened(copied)
    assert joined.splitlines()[-1].startswith("Выпущено ботом @helpline_bot 🔏 sig:A.")
    verdict = verify_alert(ring.signing_public, joined)
    assert verdict.genuine and verdict.alert_id == ALERT_ID and verdict.issuer == "helpline_bot"
    assert verify_alert(ring.signing_public, joined.replace(" 🔏", "🔏")).genuine
    # The text around it is still checked exactly: a changed word or name breaks it.
    for changed in (
        joined.replace("Курская", "Сокол"),
        joined.replace("@helpline_bot 🔏", "@impostor_bot 🔏"),
        joined.replace("Выпущено ботом @helpline_bot ", "Выпущено ботом @helpline_bot, "),
        joined.replace("🔏", "Рейд окончен 🔏"),
    ):
        verdict = verify_alert(ring.signing_public, changed)
        assert verdict.found and not verdict.genuine and verdict.issuer is None
    # Still exactly one signature: a second one, joined or not, is not vouched for.
    signature = copied.splitlines()[-1]
    assert not verify_alert(ring.signing_public, f"{joined} {signature}").genuine
    assert not verify_alert(ring.signing_public, f"{signature} {joined}").genuine
    # A signature run into more characters is not this signature.
    assert not verify_alert(ring.signing_public, joined + "x").found
