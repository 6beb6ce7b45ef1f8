"""The unlocked keyring that moderation works with, or the lack of it.

Opening reports and signing alerts need the private half of the keyring. While the bot runs
locked there is none: those actions raise ModerationLocked until an operator restarts it with
the passphrase. After a key rotation the new keyring is swapped in here, once, for every
service that holds this object.
"""

from __future__ import annotations

from bot.crypto.keyring import UnlockedKeyring


class ModerationLocked(Exception):
    """The keyring is locked: reports cannot be read and alerts cannot be sent until unlock."""


class ReviewKeys:
    """The current unlocked keyring (None while locked), shared by the moderation services."""

    def __init__(self, unlocked: UnlockedKeyring | None) -> None:
        self._unlocked = unlocked

    @property
    def unlocked(self) -> UnlockedKeyring | None:
        return self._unlocked

    def use(self, unlocked: UnlockedKeyring) -> None:
        """After a rotation: open reports sealed to the new review key too."""
        self._unlocked = unlocked

    def forget(self) -> None:
        """After the panic switch: nothing is unlocked any more, for every holder at once."""
        self._unlocked = None

    def require(self) -> UnlockedKeyring:
        if self._unlocked is None:
            raise ModerationLocked("the keyring is locked")
        return self._unlocked
