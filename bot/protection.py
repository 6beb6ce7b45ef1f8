"""What this instance protects, for the texts that tell people so (/privacy, the alerts note,
the FAQ's `{protection}` and `{retention}` placeholders).

A promise about privacy must match how the instance really runs: a passphrase on the server
protects a copied database but not a seized server, so the texts take the mode from here
instead of promising the strongest case. The mode is decided the way `helpline-bot check`
decides it (bot/checks.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.config import Settings


class Mode(StrEnum):
    """The catalogue's `$mode` selector values."""

    UNATTENDED = "unattended"  # a passphrase is configured: the server can open the keyring
    HARDENED = "hardened"  # no passphrase on the server: the operator unlocks at start
    OFF = "off"  # no keyring: reports and subscriptions are off
    DESTROYED = "destroyed"  # the keyring was destroyed on purpose


@dataclass(frozen=True)
class Protection:
    mode: Mode
    report_days: int
    decided_days: int
    alert_days: int
    audit_days: int

    @classmethod
    def of(cls, settings: Settings, *, has_keyring: bool, destroyed: bool) -> Protection:
        """The running instance's mode: a destroyed or missing keyring wins over a passphrase,
        which protects nothing once there is no keyring to open."""
        if destroyed:
            mode = Mode.DESTROYED
        elif not has_keyring:
            mode = Mode.OFF
        elif settings.key_passphrase is not None or settings.key_passphrase_file is not None:
            mode = Mode.UNATTENDED
        else:
            mode = Mode.HARDENED
        return cls.with_settings(mode, settings)

    @classmethod
    def with_settings(cls, mode: Mode, settings: Settings) -> Protection:
        return cls(
            mode=mode,
            report_days=settings.report_retention_days,
            decided_days=settings.report_decided_retention_days,
            alert_days=settings.alert_retention_days,
            audit_days=settings.audit_retention_days,
        )

    def args(self) -> dict[str, object]:
        """Fluent variables of the protection texts (texts.ftl)."""
        return {
            "mode": self.mode.value,
            "report_days": self.report_days,
            "decided_days": self.decided_days,
            "alert_days": self.alert_days,
            "audit_days": self.audit_days,
        }


def every_mode(settings: Settings | None = None) -> list[Protection]:
    """One Protection per mode, for checks that must render every variant of a text."""
    base = settings or Settings.model_construct()  # the defaults; no environment read
    return [Protection.with_settings(mode, base) for mode in Mode]
