"""Which mode the privacy texts state: decided as `helpline-bot check` decides it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.protection import Mode, Protection, every_mode


def settings(**values: Any) -> Settings:
    """Settings with these values and the defaults, no environment read."""
    return Settings.model_construct(**values)


@pytest.mark.parametrize(
    ("values", "has_keyring", "destroyed", "mode"),
    [
        ({"key_passphrase": SecretStr("x" * 20)}, True, False, Mode.UNATTENDED),
        ({"key_passphrase_file": Path("/run/credentials/pass")}, True, False, Mode.UNATTENDED),
        ({}, True, False, Mode.HARDENED),
        ({"key_passphrase": SecretStr("x" * 20)}, False, False, Mode.OFF),
        ({}, False, False, Mode.OFF),
        # A passphrase protects nothing once the keyring is gone.
        ({"key_passphrase": SecretStr("x" * 20)}, False, True, Mode.DESTROYED),
    ],
)
def test_the_mode(values: dict[str, Any], has_keyring: bool, destroyed: bool, mode: Mode) -> None:
    found = Protection.of(settings(**values), has_keyring=has_keyring, destroyed=destroyed)
    assert found.mode is mode


def test_the_texts_get_the_configured_retention() -> None:
    configured = settings(
        report_retention_days=9,
        report_decided_retention_days=2,
        alert_retention_days=12,
        audit_retention_days=40,
    )
    args = Protection.of(configured, has_keyring=True, destroyed=False).args()
    assert args == {
        "mode": "hardened",
        "report_days": 9,
        "decided_days": 2,
        "alert_days": 12,
        "audit_days": 40,
    }
    assert [p.mode for p in every_mode()] == list(Mode)
