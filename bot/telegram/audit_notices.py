"""The audit log at start-up, told to those who must know: the outcome in one log line, a
break to every admin and the moderators' group, and the head (admins only, never the group)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram.exceptions import TelegramAPIError

from bot.i18n import Tr
from bot.logs import fields
from bot.services.audit_trail import AuditHead
from bot.storage.audit import REKEYED, Upgrade

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("helpline.audit")


async def verify_audit_log(app: App) -> None:
    """Every unlocked start: an unkeyed chain is upgraded (once), the chain verified, and the
    outcome logged in one line. A break is told to every admin and the moderators' group, and
    the bot still starts: refusing would let whoever edits one row take the helpline down."""
    try:
        await app.audit_chain.upgrade()
        verdict = await app.audit_chain.verify()
        upgrade = await app.audit_chain.untold_upgrade() if verdict is not None else None
    except Exception as exc:  # start anyway: the next start verifies again
        log.error("audit log not verified", extra=fields(error=type(exc).__name__))
        return
    if verdict is None:
        reason = (
            "keyring destroyed" if app.dispatcher.get("keyring_destroyed") else "keyring locked"
        )
        log.info("audit log not verified", extra=fields(reason=reason))
        return
    tr = Tr(app.translator, app.settings.default_language)
    head = AuditHead.of(verdict.head)
    head_line = head_text(tr, head)
    if upgrade is not None:
        await _tell_admins(app, _upgrade_text(tr, upgrade) + "\n" + head_line)
    where = fields(entries=verdict.checked, head=str(head) if head else "none")
    if verdict.broken_at is None:
        log.info("audit log verified", extra=where)
        return
    log.warning("audit log broken", extra=fields(first_broken_seq=verdict.broken_at, **where))
    broken = tr("audit-broken", seq=str(verdict.broken_at))
    await app.notices.send(broken)  # the moderators' group: no head (admins only)
    await _tell_admins(app, broken + "\n" + head_line)


def _upgrade_text(tr: Tr, upgrade: Upgrade) -> str:
    entries = upgrade.entries  # a number: the catalogue picks the plural form
    if upgrade.outcome == REKEYED:
        log.warning("audit log kept unverified: new keyring", extra=fields(entries=upgrade.entries))
        return tr("audit-rekeyed", entries=entries)
    if upgrade.broken_at is None:
        log.info("audit log re-chained under the key", extra=fields(entries=upgrade.entries))
        return tr("audit-rechained", entries=entries)
    log.warning(
        "unkeyed audit log was broken; kept as evidence",
        extra=fields(first_broken_seq=upgrade.broken_at, entries=upgrade.entries),
    )
    return tr("audit-legacy-broken", seq=str(upgrade.broken_at), entries=entries)


def head_text(tr: Tr, head: AuditHead | None) -> str:
    """The head as admins see it (also at the bottom of their /stats)."""
    if head is None:
        return tr("audit-head-empty")
    return tr("audit-head", seq=str(head.seq), at=head.at, mac=head.mac)


async def _tell_admins(app: App, text: str) -> None:
    for admin_id in sorted(app.settings.admin_ids):
        try:
            await app.bot.send_message(admin_id, text)
        except TelegramAPIError as exc:
            log.warning("could not tell an admin", extra=fields(error=type(exc).__name__))
