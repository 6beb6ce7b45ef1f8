"""Signed alerts: what is signed is the text as people copy it; one changed word breaks it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.crypto.keyring import UnlockedKeyring, init_keyring
from bot.services.signatures import sign_alert, verify_alert, visible_text
from tests.support.keys import PASSPHRASE_BYTES as PASSPHRASE

ALERT_ID = "a1b2c3d4"

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
    signed = sign_alert(ring, ALERT, ALERT_ID)
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
    copied = visible_text(sign_alert(ring, ALERT, ALERT_ID))
    lines = copied.splitlines()
    lines[1] = lines[1].replace("Курская", "<NOT> Курская <moved to Сокол, Курская is safe>")
    lines[-1] = "<code>" + lines[-1]
    forged = "\n".join(lines) + "\n<UPDATE: the raid is over>"
    assert not verify_alert(ring.signing_public, forged).genuine


def test_the_kind_and_id_are_signed(ring: UnlockedKeyring) -> None:
    copied = visible_text(sign_alert(ring, ALERT, ALERT_ID))
    as_announcement = copied.replace(f"sig:A.{ALERT_ID}", f"sig:N.{ALERT_ID}")
    other_id = copied.replace(f"sig:A.{ALERT_ID}", "sig:A.deadbeef")
    for changed in (as_announcement, other_id):
        verdict = verify_alert(ring.signing_public, changed)
        assert verdict.found and not verdict.genuine
    announced = visible_text(sign_alert(ring, ALERT, ALERT_ID, kind="announcement"))
    assert verify_alert(ring.signing_public, announced).kind == "announcement"


def test_unsigned_and_garbled_signatures(ring: UnlockedKeyring) -> None:
    copied = visible_text(sign_alert(ring, ALERT, ALERT_ID))
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
    forged = visible_text(sign_alert(impostor, ALERT, ALERT_ID))
    assert not verify_alert(ring.signing_public, forged).genuine


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_pasted_text_gets_an_answer(text: str) -> None:
    # Whatever is pasted, checking never raises and never says "genuine" without a signature.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    public = Ed25519PrivateKey.generate().public_key()
    verdict = verify_alert(public, text)
    assert not verdict.genuine
