"""Subscriptions and moderation on real SQLite files with real keys: blind-indexed storage,
changes sealed while locked, invites, the two-person rule, voided approvals, the audit chain."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.config import REPO_ROOT
from bot.content.regions import RegionCatalog
from bot.crypto.keyring import PublicKeyring, UnlockedKeyring, init_keyring
from bot.crypto.sealing import open_sealed
from bot.i18n import Translator
from bot.services import review as review_module
from bot.services.alert_desk import AlertDesk
from bot.services.alert_text import AlertField, AlertText, clean_area, hash_tag, text_hash
from bot.services.audit_trail import audit_key
from bot.services.defang import has_live_link
from bot.services.report_window import ReportWindow
from bot.services.reporters import ReporterMemory
from bot.services.reports import ReportDraft, ReportService
from bot.services.review import RejectReason, ReviewQueue
from bot.services.review_keys import ModerationLocked, ReviewKeys
from bot.services.signatures import InstanceUnnamed, verify_alert, visible_text
from bot.services.subscriptions import Subscription, SubscriptionService, TooManyChanges
from bot.services.team import CannotConfirm, Moderator, ModeratorTeam, clean_alias, rule_weaknesses
from bot.storage.audit import AuditRepository
from bot.storage.db import Database
from bot.storage.outbox import OutboxRepository, Progress
from bot.storage.reports import ReportGroups, ReportRepository, StoredReport
from bot.storage.subscribers import SubscriberRepository
from tests.support.clock import ManualClock
from tests.support.keys import PASSPHRASE_BYTES as PASSPHRASE
from tests.support.leaks import needles, scan_dir
from tests.support.parsed_content import parsed_regions, parsed_translator

Keys = tuple[PublicKeyring, UnlockedKeyring]
ADMIN = 5_000_000_001
MOD_A, MOD_B, OUTSIDER, REPORTER = 5_123_456_789, 5_223_456_789, 5_323_456_789, 5_423_456_789
SUBSCRIBERS = (6_100_000_001, 6_200_000_002, 6_300_000_003)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    directory = tmp_path_factory.mktemp("keys") / "keys"
    public = init_keyring(directory, PASSPHRASE, dt.date(2026, 11, 25))
    return public, UnlockedKeyring.unlock(directory, PASSPHRASE)


@pytest.fixture(scope="module")
def translator() -> Translator:
    return parsed_translator(REPO_ROOT / "content" / "locales")


@pytest.fixture(scope="module")
def regions() -> RegionCatalog:
    return parsed_regions(REPO_ROOT / "content" / "regions.toml")


@dataclass
class Moderation:
    """The moderation services over one database and keyring, wired as the app wires them."""

    team: ModeratorTeam
    review: ReviewQueue
    desk: AlertDesk
    reporters: ReporterMemory  # who sent which report: memory only, shared as the app does
    wakes: list[str] = field(default_factory=list)  # one entry per broadcaster wake-up


def moderation(
    db: Database,
    keys: Keys,
    translator: Translator,
    regions: RegionCatalog,
    *,
    needed: int = 2,
    clock: ManualClock | None = None,
    locked: bool = False,
    issuer: str | None = "helpline_test_bot",
) -> Moderation:
    clock = clock or ManualClock()
    ring = ReviewKeys(None if locked else keys[1])
    team = ModeratorTeam(db, ring, admin_ids=frozenset({ADMIN}), clock=clock)
    wakes: list[str] = []
    reporters = ReporterMemory(clock=clock)
    desk = AlertDesk(
        db,
        ring,
        team,
        AlertText(translator, regions),
        approvals_needed=needed,
        ttl_hours=6,
        wake=lambda: wakes.append("wake"),
        clock=clock,
        reporters=reporters,
    )
    desk.name_instance(issuer)  # as start-up does with getMe's answer
    review = ReviewQueue(db, ring, clock=clock, reporters=reporters)
    return Moderation(team, review, desk, reporters, wakes)


async def join(service: Moderation, user_id: int, alias: str) -> Moderator:
    admin = await service.team.identify(ADMIN)
    assert admin is not None and admin.is_admin
    token = await service.team.invite(admin, alias)
    assert await service.team.redeem(token, user_id) == alias
    await service.team.confirm_by_operator(alias)  # the second person of the two-person rule
    moderator = await service.team.identify(user_id)
    assert moderator is not None
    return moderator


async def alert_state(service: Moderation, alert_id: str) -> str:
    alert = await service.desk.alert(alert_id)
    assert alert is not None, "no such alert"
    return alert.state


async def report(
    db: Database,
    keys: Keys,
    user_id: int,
    region: str = "moscow",
    *,
    reporters: ReporterMemory | None = None,
) -> None:
    reports = ReportService(db, keys[0], per_hour=50, clock=ManualClock(), reporters=reporters)
    draft = ReportDraft(region, "metro", "now", f"vans at exit 2 ({user_id % 7})", None, None)
    await reports.submit(draft, user_id)


# --- subscriptions -----------------------------------------------------------------------------


async def test_subscriptions_are_stored_blind_and_encrypted(
    db: Database, keys: Keys, tmp_path: Path
) -> None:
    service = SubscriptionService(db, keys[0], keys[1])
    await service.change(SUBSCRIBERS[0], "ru", "add", "moscow")
    await service.change(SUBSCRIBERS[0], "ru", "add", "spb")
    await service.change(SUBSCRIBERS[0], "ru", "silent", True)
    await service.change(SUBSCRIBERS[1], "en", "all", True)
    assert await service.current(SUBSCRIBERS[0]) == Subscription(
        frozenset({"moscow", "spb"}), False, True
    )
    assert await service.current(SUBSCRIBERS[1]) == Subscription(frozenset(), True, True)
    assert await service.current(SUBSCRIBERS[2]) == Subscription()
    await service.change(SUBSCRIBERS[0], "ru", "remove", "spb")
    current = await service.current(SUBSCRIBERS[0])
    assert current is not None and current.regions == {"moscow"}
    await db.checkpoint()
    hits = scan_dir(tmp_path / "data", needles(ids=SUBSCRIBERS))
    assert hits == []
    # Removing the last region deletes the row, like unsubscribing.
    await service.change(SUBSCRIBERS[0], "ru", "remove", "moscow")
    with sqlite3.connect(db.path) as raw:
        assert raw.execute("SELECT count(*) FROM subscribers").fetchone() == (1,)
    assert await service.forget(SUBSCRIBERS[1]) is True
    with sqlite3.connect(db.path) as raw:
        assert raw.execute("SELECT count(*) FROM subscribers").fetchone() == (0,)
        assert raw.execute("SELECT count(*) FROM subscriber_regions").fetchone() == (0,)


async def test_changes_made_while_locked_are_sealed_and_applied_at_unlock(
    db: Database, keys: Keys, tmp_path: Path
) -> None:
    locked = SubscriptionService(db, keys[0], None)
    assert locked.locked and await locked.current(SUBSCRIBERS[0]) is None
    await locked.change(SUBSCRIBERS[0], "en", "add", "moscow")
    await locked.change(SUBSCRIBERS[0], "en", "add", "spb")
    await locked.change(SUBSCRIBERS[0], "en", "remove", "moscow")
    await locked.change(SUBSCRIBERS[1], "ru", "add", "moscow")
    await locked.forget(SUBSCRIBERS[1])  # blocked the bot while locked
    await db.checkpoint()
    assert scan_dir(tmp_path / "data", needles(ids=SUBSCRIBERS)) == []
    unlocked = SubscriptionService(db, keys[0], keys[1])
    assert await unlocked.apply_pending() == 5
    assert await unlocked.current(SUBSCRIBERS[0]) == Subscription(frozenset({"spb"}), silent=True)
    assert await unlocked.current(SUBSCRIBERS[1]) == Subscription()
    assert await unlocked.apply_pending() == 0  # applied once, then gone


async def test_locked_caps_never_stop_an_unsubscribe_and_coalesce_it(
    db: Database, keys: Keys
) -> None:
    locked = SubscriptionService(db, keys[0], None, clock=ManualClock())
    chat = SUBSCRIBERS[0]
    for _ in range(30):
        await locked.change(chat, "en", "add", "moscow")
    with pytest.raises(TooManyChanges):
        await locked.change(chat, "en", "add", "spb")  # the per-person cap
    for _ in range(5):
        await locked.change(chat, "en", "stop")  # exempt, and stored once
    assert await SubscriberRepository(db).pending_count() == 31
    unlocked = SubscriptionService(db, keys[0], keys[1])
    assert await unlocked.apply_pending() == 31
    assert await unlocked.current(chat) == Subscription()  # the stop came last


async def test_a_stop_after_another_change_is_stored_again(db: Database, keys: Keys) -> None:
    locked = SubscriptionService(db, keys[0], None, clock=ManualClock())
    chat = SUBSCRIBERS[0]
    await locked.change(chat, "en", "stop")
    await locked.change(chat, "en", "add", "moscow")
    await locked.change(chat, "en", "stop")
    assert await SubscriberRepository(db).pending_count() == 3
    unlocked = SubscriptionService(db, keys[0], keys[1])
    await unlocked.apply_pending()
    assert await unlocked.current(chat) == Subscription()


async def test_locked_blocks_are_kept_only_for_chats_seen_changing(
    db: Database, keys: Keys
) -> None:
    locked = SubscriptionService(db, keys[0], None, clock=ManualClock())
    await locked.forget(SUBSCRIBERS[0])  # never seen since start: dropped (403 retires it later)
    assert await SubscriberRepository(db).pending_count() == 0
    await locked.change(SUBSCRIBERS[1], "en", "add", "moscow")
    await locked.forget(SUBSCRIBERS[1])  # seen changing: its block is kept for unlock
    assert await SubscriberRepository(db).pending_count() == 2


# --- moderators --------------------------------------------------------------------------------


async def test_invites_are_single_use_hashed_and_expire(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    clock = ManualClock()
    service = moderation(db, keys, translator, regions, clock=clock)
    admin = await service.team.identify(ADMIN)
    assert admin is not None
    token = await service.team.invite(admin, "anna")
    with sqlite3.connect(db.path) as raw:
        stored = raw.execute("SELECT token_hash FROM invites").fetchall()
    assert len(stored) == 1 and token.encode() not in stored[0][0]
    assert await service.team.identify(MOD_A) is None
    assert await service.team.redeem(token, MOD_A) == "anna"
    assert await service.team.redeem(token, MOD_B) is None  # single use
    assert await service.team.identify(MOD_B) is None
    late = await service.team.invite(admin, "boris")
    clock.now += 25 * 3600
    assert await service.team.redeem(late, MOD_B) is None
    assert await service.team.redeem("made-up-token", MOD_B) is None
    assert [alias for _, alias in await service.team.moderators()] == ["anna"]
    assert await service.team.identify(MOD_A) is None  # pending until someone confirms
    await service.team.confirm_by_operator("anna")
    anna = await service.team.identify(MOD_A)
    assert anna is not None
    with pytest.raises(PermissionError):
        await service.team.invite(anna, "eve")


async def test_two_person_rule(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    service = moderation(db, keys, translator, regions, needed=2)
    anna = await join(service, MOD_A, "anna")
    boris = await join(service, MOD_B, "boris")
    for user in (MOD_A, MOD_B, OUTSIDER):
        await report(db, keys, user, reporters=service.reporters)
    groups = await service.review.groups()
    assert [(g.region, g.reports, g.reporters) for g in groups] == [("moscow", 3, 3)]
    group = groups[0]
    opened = (await service.review.open_group(anna, group.region, group.window)).reports
    assert len(opened) == 3 and all("vans at exit 2" in r.text for r in opened)
    alert = await service.desk.draft_from_group(anna, group.region, group.window)
    assert alert.certainty == "corroborated" and "Москва" in alert.text_ru
    assert (await service.review.groups()) == []  # the group is decided

    first = await service.desk.approve(anna, alert.id, alert.text_hash, None, "ru")
    assert first.outcome == "recorded" and first.approvals == 1
    again = await service.desk.approve(anna, alert.id, alert.text_hash, None, "ru")
    assert again.outcome == "duplicate"  # the same person twice is still one approval
    # Editing voids the approval: it was for the old text.
    edited = await service.desk.edit(anna, alert.id, AlertField.AREA, "м. Курская, выход 2")
    assert edited is not None and "Курская" in edited.text_ru
    stale = await service.desk.approve(boris, alert.id, alert.text_hash, None, "ru")
    assert stale.outcome == "stale"
    assert await service.desk.approvers(alert.id) == []
    assert (await service.desk.approve(anna, alert.id, edited.text_hash, None, "ru")).approvals == 1
    done = await service.desk.approve(boris, alert.id, edited.text_hash, 77, "en")
    assert done.outcome == "sending"
    assert await alert_state(service, alert.id) in ("sending", "sent")
    late = await service.desk.approve(boris, alert.id, edited.text_hash, None, "ru")
    assert late.outcome == "gone"


async def test_a_joined_moderator_counts_only_once_someone_else_confirms_them(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    service = moderation(db, keys, translator, regions, needed=2)
    admin = await service.team.identify(ADMIN)
    assert admin is not None
    # One admin invites a second account of their own: it joins, pending.
    assert await service.team.redeem(await service.team.invite(admin, "sock"), MOD_A) == "sock"
    assert await service.team.identify(MOD_A) is None and await service.team.is_pending(MOD_A)
    sock_id = dict((a, i) for i, a in await service.team.moderators())["sock"]
    with pytest.raises(CannotConfirm) as refused:
        await service.team.confirm(admin, sock_id)  # the inviter cannot vouch for them
    assert refused.value.reason == "inviter"
    # Their approval does not count, even with a role forged past the handlers.
    await report(db, keys, OUTSIDER)
    group = (await service.review.groups())[0]
    alert = await service.desk.draft_from_group(admin, group.region, group.window)
    sock = Moderator(ModeratorTeam_ref(service, MOD_A), "sock", MOD_A, False)
    assert (await service.desk.approve(sock, alert.id, alert.text_hash, None, "ru")).outcome == (
        "refused"
    )
    assert (await service.desk.approve(admin, alert.id, alert.text_hash, None, "ru")).approvals == 1
    assert await service.team.approvers() == 1
    assert rule_weaknesses(2, 1) and rule_weaknesses(1, 3) and not rule_weaknesses(2, 2)
    # Someone else confirms: a moderator the operator confirmed on the server.
    boris = await join(service, MOD_B, "boris")
    confirmed = await service.team.confirm(boris, sock_id)
    assert confirmed.alias == "sock" and confirmed.chat_id == MOD_A
    assert await service.team.identify(MOD_A) is not None
    with pytest.raises(CannotConfirm):
        await service.team.confirm(boris, sock_id)  # once
    assert [(m.alias, m.active) for m in await service.team.members()] == [
        ("boris", True),
        ("sock", True),
    ]
    entries = [(e.actor, e.action, e.subject) for e in await AuditRepository(db).entries()]
    assert ("operator", "moderator.confirm", "boris") in entries
    assert ("boris", "moderator.confirm", "sock") in entries


def ModeratorTeam_ref(service: Moderation, user_id: int) -> bytes:
    """The blind index the team would compute for `user_id` (to forge a role in a test)."""
    cipher = service.team._cipher
    assert cipher is not None
    return cipher.ref(user_id)


async def test_a_withdrawal_can_be_undone_by_someone_else_in_time(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    clock = ManualClock()
    service = moderation(db, keys, translator, regions, needed=1, clock=clock)
    anna = await join(service, MOD_A, "anna")
    boris = await join(service, MOD_B, "boris")
    subscriptions = SubscriptionService(db, keys[0], keys[1])
    for chat in SUBSCRIBERS[:2]:
        await subscriptions.change(chat, "ru", "add", "moscow")
    await report(db, keys, OUTSIDER)
    group = (await service.review.groups())[0]
    alert = await service.desk.draft_from_group(anna, group.region, group.window)
    assert (await service.desk.approve(anna, alert.id, alert.text_hash, None, "ru")).recipients == 2
    outbox = OutboxRepository(db)
    first = (await outbox.due(clock(), 10))[0]
    assert await outbox.mark_sent(first.id, 555)  # one copy delivered, one still pending

    assert await service.desk.withdraw(anna, alert.id) == 1
    assert await outbox.progress(alert.id) == Progress(sent=1, dropped=1)
    assert (await service.desk.undo_withdrawal(anna, alert.id)).outcome == "self"
    undone = await service.desk.undo_withdrawal(boris, alert.id)
    assert (undone.outcome, undone.copies, undone.resumed) == ("undone", 1, 1)
    assert await alert_state(service, alert.id) == "sending"
    assert await outbox.progress(alert.id) == Progress(sent=1, pending=1)
    assert await outbox.texts(alert.id, "edit") == await outbox.texts(alert.id)  # copies back
    assert await outbox.is_open(alert.id)
    # Withdrawn again, and this time nobody is in time.
    assert await service.desk.withdraw(boris, alert.id) == 1
    clock.now += 6 * 60
    assert (await service.desk.undo_withdrawal(anna, alert.id)).outcome == "late"
    assert await alert_state(service, alert.id) == "withdrawn"
    closed = await outbox.texts(alert.id, "edit")
    assert closed and all(text.startswith("❌") or "<s>" in text for text in closed.values())
    edits = await outbox.due(clock(), 10)
    assert [d.action for d in edits] == ["edit"]  # one edit for the one delivered copy, once
    actions = [e.action for e in await AuditRepository(db).entries()]
    assert actions.count("alert.withdraw") == 2 and actions.count("alert.undo-withdraw") == 1


async def test_a_typed_area_never_becomes_a_live_link(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    service = moderation(db, keys, translator, regions, needed=1)
    anna = await join(service, MOD_A, "anna")
    await report(db, keys, OUTSIDER)
    group = (await service.review.groups())[0]
    alert = await service.desk.draft_from_group(anna, group.region, group.window)
    area = "t.me/fake_bot @fake_help"
    edited = await service.desk.edit(anna, alert.id, AlertField.AREA, area)
    assert edited is not None
    for text in (edited.text_ru, edited.text_en):
        assert "t[.]me/fake_bot [@]fake_help" in text
        assert not has_live_link(visible_text(text))
    assert (await service.desk.alert(alert.id)) == edited  # stored as typed, shown inert


async def test_removing_a_moderator_voids_their_pending_approval(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    service = moderation(db, keys, translator, regions, needed=2)
    anna = await join(service, MOD_A, "anna")
    boris = await join(service, MOD_B, "boris")
    await report(db, keys, OUTSIDER)
    group = (await service.review.groups())[0]
    alert = await service.desk.draft_from_group(boris, group.region, group.window)
    assert alert.certainty == "single"
    assert (await service.desk.approve(boris, alert.id, alert.text_hash, None, "ru")).approvals == 1
    admin = await service.team.identify(ADMIN)
    assert admin is not None
    moderator_id = dict((a, i) for i, a in await service.team.moderators())["boris"]
    assert await service.team.remove(admin, moderator_id) is not None
    assert await service.team.identify(MOD_B) is None
    assert await service.desk.approvers(alert.id) == []
    result = await service.desk.approve(anna, alert.id, alert.text_hash, None, "ru")
    assert result.outcome == "recorded" and result.approvals == 1  # still one short


async def test_locked_moderation_recognises_nobody(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    service = moderation(db, keys, translator, regions, locked=True)
    assert service.team.locked
    assert await service.team.identify(ADMIN) is None
    assert await service.team.redeem("anything", MOD_A) is None


async def test_audit_chain_verifies_and_detects_tampering(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    service = moderation(db, keys, translator, regions)
    await join(service, MOD_A, "anna")
    await join(service, MOD_B, "boris")
    audit = AuditRepository(db)
    entries = await audit.entries()
    assert [e.action for e in entries] == [
        "invite.create",
        "moderator.join",
        "moderator.confirm",
        "invite.create",
        "moderator.join",
        "moderator.confirm",
    ]
    assert {e.actor for e in entries} >= {"anna", "boris"}
    assert all(str(MOD_A) not in e.subject + e.actor for e in entries)
    key = audit_key(keys[1])
    assert (await audit.verify(key)).intact
    with sqlite3.connect(db.path) as raw:
        raw.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    assert (await audit.verify(key)).broken_at == 2


def test_alias_and_area_cleaning() -> None:
    assert clean_alias("Anna K") == "anna-k"
    assert clean_alias("<b>x</b>") is None
    assert clean_alias("a" * 25) is None
    assert clean_area("  м. Курская,\n выход 2 ") == "м. Курская, выход 2"
    assert clean_area("") is None
    assert clean_area("x" * 61) is None


async def test_concurrent_taps_do_not_undo_each_other(db: Database, keys: Keys) -> None:
    service = SubscriptionService(db, keys[0], keys[1])
    chat = SUBSCRIBERS[0]
    await asyncio.gather(
        service.change(chat, "ru", "add", "moscow"),
        service.change(chat, "ru", "add", "spb"),
        service.change(chat, "ru", "silent", True),
        service.change(chat, "ru", "add", "tatarstan"),
    )
    assert await service.current(chat) == Subscription(
        frozenset({"moscow", "spb", "tatarstan"}), False, True
    )


async def test_one_group_gives_one_draft_and_the_evidence_stays_readable(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    service = moderation(db, keys, translator, regions)
    anna = await join(service, MOD_A, "anna")
    boris = await join(service, MOD_B, "boris")
    for user in (OUTSIDER, REPORTER):
        await report(db, keys, user)
    group = (await service.review.groups())[0]
    drafts = await asyncio.gather(
        service.desk.draft_from_group(anna, group.region, group.window),
        service.desk.draft_from_group(boris, group.region, group.window),
        return_exceptions=True,
    )
    made = [d for d in drafts if not isinstance(d, BaseException)]
    assert len(made) == 1 and isinstance(
        next(d for d in drafts if isinstance(d, BaseException)), LookupError
    )
    alert = made[0]
    # The second approver reads the same reports the draft was made from.
    evidence = (await service.review.open_alert_reports(boris, alert.id)).reports
    assert len(evidence) == 2 and all("vans at exit 2" in r.text for r in evidence)
    # The draft rejected (not the reports): they return to the queue.
    assert await service.desk.reject_alert(anna, alert.id)
    assert [g.reports for g in (await service.review.groups())] == [2]


async def test_a_removed_moderator_cannot_approve_with_a_stale_role(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    service = moderation(db, keys, translator, regions)
    anna = await join(service, MOD_A, "anna")
    boris = await join(service, MOD_B, "boris")
    await report(db, keys, OUTSIDER)
    group = (await service.review.groups())[0]
    alert = await service.desk.draft_from_group(anna, group.region, group.window)
    await service.team.remember_copy(boris, 901)
    await service.team.remember_copy(boris, 902)
    admin = await service.team.identify(ADMIN)
    assert admin is not None
    boris_id = dict((a, i) for i, a in await service.team.moderators())["boris"]
    removed = await service.team.remove(admin, boris_id)
    # The chat and the decrypted reports shown there come back to be deleted now.
    assert removed is not None and removed.chat_id == MOD_B and removed.copies == [901, 902]
    assert await service.team.due_copies() == {}
    # `boris` was checked a moment before the removal: the approval is still refused.
    result = await service.desk.approve(boris, alert.id, alert.text_hash, None, "ru")
    assert result.outcome == "refused"
    assert (await service.desk.approve(anna, alert.id, alert.text_hash, None, "ru")).approvals == 1


async def test_two_edits_at_once_cannot_leave_text_and_fields_apart(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    service = moderation(db, keys, translator, regions)
    anna = await join(service, MOD_A, "anna")
    await report(db, keys, OUTSIDER)
    group = (await service.review.groups())[0]
    alert = await service.desk.draft_from_group(anna, group.region, group.window)
    await asyncio.gather(
        service.desk.edit(anna, alert.id, AlertField.PLACE_TYPE, "street"),
        service.desk.edit(anna, alert.id, AlertField.ADVICE, "warn"),
    )
    stored = await service.desk.alert(alert.id)
    assert stored is not None
    assert stored.text_ru == service.desk.render_text(stored, "ru")  # the text matches the fields
    assert "по Москве, UTC+3" in stored.text_ru and "Moscow time, UTC+3" in stored.text_en


async def test_expiry_closes_the_alert_and_stops_its_pending_sends(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    clock = ManualClock()
    service = moderation(db, keys, translator, regions, needed=1, clock=clock)
    anna = await join(service, MOD_A, "anna")
    subscriptions = SubscriptionService(db, keys[0], keys[1])
    for chat in SUBSCRIBERS[:2]:
        await subscriptions.change(chat, "ru", "add", "moscow")
    await report(db, keys, OUTSIDER)
    group = (await service.review.groups())[0]
    alert = await service.desk.draft_from_group(anna, group.region, group.window)
    assert (await service.desk.approve(anna, alert.id, alert.text_hash, None, "ru")).recipients == 2
    clock.now += 5 * 3600
    assert await service.desk.expire_due() == 0
    assert await alert_state(service, alert.id) == "sending"
    clock.now += 2 * 3600  # past ALERT_TTL_HOURS=6
    assert await service.desk.expire_due() == 0  # nothing was delivered, so nothing to edit
    assert await alert_state(service, alert.id) == "expired"
    assert await OutboxRepository(db).progress(alert.id) == Progress(dropped=2)


async def test_an_approval_names_the_text_by_its_tag_and_wakes_the_broadcaster_once_sent(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    service = moderation(db, keys, translator, regions, needed=2)
    anna = await join(service, MOD_A, "anna")
    boris = await join(service, MOD_B, "boris")
    await report(db, keys, OUTSIDER)
    group = (await service.review.groups())[0]
    alert = await service.desk.draft_from_group(anna, group.region, group.window)
    tag = bytes.fromhex(hash_tag(alert.text_hash))  # what an Approve button carries
    assert len(tag) == 8
    for seen in (b"", tag[:7], bytes(8), tag[:7] + bytes([tag[7] ^ 1])):
        assert (await service.desk.approve(anna, alert.id, seen, None, "ru")).outcome == "stale"
    assert (await service.desk.approve(anna, alert.id, tag, None, "ru")).outcome == "recorded"
    assert service.wakes == []  # nothing to send yet
    # The approval counts for the full text hash, whichever way the text was named.
    assert (await service.desk.approve(anna, alert.id, alert.text_hash, None, "ru")).outcome == (
        "duplicate"
    )
    done = await service.desk.approve(boris, alert.id, tag, None, "en")
    assert done.outcome == "sending" and service.wakes == ["wake"]
    sent = await service.desk.alert(alert.id)
    assert sent is not None and sent.text_hash == alert.text_hash
    assert sent.text_ru.startswith(alert.text_ru) and "🔏" in sent.text_ru  # signed as approved
    assert await service.desk.withdraw(anna, alert.id) == 0
    assert service.wakes == ["wake", "wake"]  # the withdrawal's edits (none yet) and stops


async def test_what_is_signed_names_this_bot_and_nothing_is_signed_unnamed(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    service = moderation(db, keys, translator, regions, needed=1, issuer=None)
    anna = await join(service, MOD_A, "anna")
    await report(db, keys, OUTSIDER)
    group = (await service.review.groups())[0]
    alert = await service.desk.draft_from_group(anna, group.region, group.window)
    for name in (None, "", "bad name!", "abc", "x" * 33):
        service.desk.name_instance(name)  # getMe gave no usable name: the bot stays unnamed
        with pytest.raises(InstanceUnnamed):
            await service.desk.approve(anna, alert.id, alert.text_hash, None, "ru")
    assert await service.desk.approvers(alert.id) == [] and service.wakes == []
    admin = await service.team.identify(ADMIN)
    assert admin is not None
    note = await service.desk.draft_announcement(admin, "Shelters open tonight")

    service.desk.name_instance("helpline_test_bot")
    assert (await service.desk.approve(anna, alert.id, alert.text_hash, None, "ru")).outcome == (
        "sending"
    )
    assert (await service.desk.approve(anna, note.id, note.text_hash, None, "en")).outcome == (
        "sending"
    )
    for sent_id, line_ru, line_en in (
        (alert.id, "Выпущено ботом @helpline_test_bot", "Issued by @helpline_test_bot"),
        (note.id, "Выпущено ботом @helpline_test_bot", "Issued by @helpline_test_bot"),
    ):
        sent = await service.desk.alert(sent_id)
        assert sent is not None
        for text, line in ((sent.text_ru, line_ru), (sent.text_en, line_en)):
            copied = visible_text(text)
            assert copied.splitlines()[-3] == line  # the last line before the signature
            verdict = verify_alert(keys[0].signing_public, copied)
            assert verdict.genuine and verdict.issuer == "helpline_test_bot"


# --- reading a flooded group page by page, rejecting one report ------------------------------


async def reports_at(
    db: Database,
    keys: Keys,
    hour: int,
    minute: int,
    count: int,
    *,
    first_user: int,
    region: str = "moscow",
    reporters: ReporterMemory | None = None,
) -> None:
    """`count` reports from as many people, sent at hour:minute UTC on the test day."""
    clock = ManualClock()
    clock.now = dt.datetime(2026, 11, 25, hour, minute, tzinfo=dt.UTC).timestamp()
    reports = ReportService(db, keys[0], per_hour=50, clock=clock, reporters=reporters)
    for n in range(count):
        user = first_user + n
        draft = ReportDraft(region, "metro", "now", f"report {hour}:{n:02d}", None, None)
        await reports.submit(draft, user)


async def test_reading_a_group_pages_newest_first_and_opens_only_the_page(
    db: Database,
    keys: Keys,
    translator: Translator,
    regions: RegionCatalog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = moderation(db, keys, translator, regions)
    anna = await join(service, MOD_A, "anna")
    await reports_at(db, keys, 12, 10, 11, first_user=7_000_000_000)
    await reports_at(db, keys, 13, 20, 12, first_user=7_100_000_000)
    await reports_at(db, keys, 14, 5, 2, first_user=7_200_000_000)  # the next window
    await reports_at(db, keys, 13, 30, 2, first_user=7_300_000_000, region="spb")
    window = ReportWindow.parse("2026-11-25T12")
    opened_count = 0

    def counting_open(*args: Any, **kwargs: Any) -> dict[str, Any]:
        nonlocal opened_count
        opened_count += 1
        return open_sealed(*args, **kwargs)

    monkeypatch.setattr(review_module, "open_sealed", counting_open)
    pages = [await service.review.open_group(anna, "moscow", window, n) for n in range(3)]
    assert [(p.page, p.pages, p.first, p.last, p.total) for p in pages] == [
        (0, 3, 1, 10, 23),
        (1, 3, 11, 20, 23),
        (2, 3, 21, 23, 23),
    ]
    assert opened_count == 23  # each page opened only its own reports
    shown = [r for p in pages for r in p.reports]
    hours = [r.created_hour for r in shown]
    assert hours == ["2026-11-25T13"] * 12 + ["2026-11-25T12"] * 11  # newest first
    assert len({r.id for r in shown}) == 23
    assert all(r.text.startswith("report 13:") for r in shown[:12])
    # Within an hour the order is stable (by id): reading again gives the same pages.
    again = await service.review.open_group(anna, "moscow", window, 1)
    assert [r.id for r in again.reports] == [r.id for r in pages[1].reports]
    assert [r.id for r in shown[:12]] == sorted(r.id for r in shown[:12])
    # Out-of-range pages are clamped to those that exist.
    assert (await service.review.open_group(anna, "moscow", window, 99)).page == 2
    assert (await service.review.open_group(anna, "moscow", window, -3)).page == 0
    reads = [e for e in await AuditRepository(db).entries() if e.action == "group.read"]
    assert len(reads) == 6 and {e.subject for e in reads} == {f"moscow|{window}"}
    empty = await service.review.open_group(anna, "kazan", window)
    assert (empty.reports, empty.stored, empty.total, empty.pages) == ([], 0, 0, 1)
    assert len([e for e in await AuditRepository(db).entries() if e.action == "group.read"]) == 6


async def test_group_pages_in_storage(db: Database) -> None:
    groups, repo = ReportGroups(db), ReportRepository(db)
    for hour, ids in (("2026-11-25T12", "cab"), ("2026-11-25T13", "ed"), ("2026-11-25T14", "f")):
        for id_ in ids:
            await repo.add(
                StoredReport(id_, hour, "moscow", "metro", "now", "new", "k1", b"sealed")
            )
    window = "2026-11-25T12"
    page = await groups.members_page("moscow", window, 0, 3)
    assert [r.id for r in page] == ["d", "e", "a"]  # newest hour first, then by id
    assert [r.id for r in await groups.members_page("moscow", window, 3, 3)] == ["b", "c"]
    assert await groups.members_page("moscow", window, 5, 3) == []
    assert await groups.members_page("moscow", window, 0, 0) == []
    assert await groups.count_members("moscow", window) == 5
    assert await groups.count_members("spb", window) == 0
    assert await groups.reject_one("e", "2026-11-25T15") is True
    assert await groups.reject_one("e", "2026-11-25T15") is False  # already decided
    assert await groups.reject_one("no-such-report", "2026-11-25T15") is False
    assert [r.id for r in await groups.members_page("moscow", window, 0, 10)] == list("dabc")
    assert await groups.count_members("moscow", window) == 4
    assert await groups.decide("moscow", window, "reviewed", "2026-11-25T15") == 4
    assert await groups.reject_one("d", "2026-11-25T15") is False  # drafted from: no longer new
    with sqlite3.connect(db.path) as raw:
        states = dict(raw.execute("SELECT id, state FROM reports"))
    assert states == {
        "a": "reviewed",
        "b": "reviewed",
        "c": "reviewed",
        "d": "reviewed",
        "e": "rejected",
        "f": "new",
    }


async def test_rejecting_one_report_leaves_the_rest_of_the_group(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    service = moderation(db, keys, translator, regions)
    anna = await join(service, MOD_A, "anna")
    await reports_at(db, keys, 12, 10, 3, first_user=7_000_000_000, reporters=service.reporters)
    group = (await service.review.groups())[0]
    assert (group.reports, group.reporters) == (3, 3)
    target = (await service.review.open_group(anna, group.region, group.window)).reports[1]
    with pytest.raises(ValueError, match="reason"):
        await service.review.reject_report(anna, target.id, "boring")  # type: ignore[arg-type]
    assert await service.review.reject_report(anna, target.id, RejectReason.SPAM) is True
    assert (
        await service.review.reject_report(anna, target.id, RejectReason.FALSE) is False
    )  # decided
    group = (await service.review.groups())[0]
    assert (group.reports, group.reporters) == (2, 2)
    assert await service.review.waiting_reports() == 2
    page = await service.review.open_group(anna, group.region, group.window)
    assert page.total == 2 and target.id not in {r.id for r in page.reports}
    entries = [e for e in await AuditRepository(db).entries() if e.action.startswith("report.")]
    assert [(e.actor, e.action, e.subject) for e in entries] == [
        ("anna", "report.reject.spam", target.id)
    ]
    # Drafted from: the group's reports are decided and cannot be rejected one by one.
    alert = await service.desk.draft_from_group(anna, group.region, group.window)
    assert (
        await service.review.reject_report(anna, page.reports[0].id, RejectReason.DUPLICATE)
        is False
    )
    evidence = await service.review.open_alert_reports(anna, alert.id)
    assert evidence.total == 2 and target.id not in {r.id for r in evidence.reports}
    locked = moderation(db, keys, translator, regions, locked=True)
    with pytest.raises(ModerationLocked):
        await locked.review.reject_report(anna, page.reports[1].id, RejectReason.SPAM)


async def test_the_evidence_behind_a_draft_is_paged_too(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    service = moderation(db, keys, translator, regions)
    anna = await join(service, MOD_A, "anna")
    await reports_at(db, keys, 12, 10, 4, first_user=7_000_000_000)
    await reports_at(db, keys, 13, 10, 8, first_user=7_100_000_000)
    group = (await service.review.groups())[0]
    alert = await service.desk.draft_from_group(anna, group.region, group.window)
    first = await service.review.open_alert_reports(anna, alert.id)
    second = await service.review.open_alert_reports(anna, alert.id, 1)
    assert (first.stored, first.total, first.pages) == (10, 12, 2)
    assert (second.first, second.last) == (11, 12)
    hours = [r.created_hour[11:] for r in first.reports + second.reports]
    assert hours == ["13"] * 8 + ["12"] * 4
    reads = [e for e in await AuditRepository(db).entries() if e.action == "alert.read"]
    assert [e.subject for e in reads] == [alert.id, alert.id]


async def test_a_draft_is_corroborated_only_when_the_reporters_are_known(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    """Three people reported, but the process that knew it restarted: the count is unknown and
    a draft from the group is single, never corroborated."""
    before = moderation(db, keys, translator, regions)
    for user in (MOD_A, MOD_B, OUTSIDER):
        await report(db, keys, user, reporters=before.reporters)
    assert [g.reporters for g in await before.review.groups()] == [3]
    service = moderation(db, keys, translator, regions)  # a new process: an empty memory
    anna = await join(service, MOD_A, "anna")
    [group] = await service.review.groups()
    assert (group.reports, group.reporters) == (3, None)
    alert = await service.desk.draft_from_group(anna, group.region, group.window)
    assert alert.certainty == "single"


async def test_decided_retention_keeps_the_evidence_of_a_waiting_draft(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    clock = ManualClock()
    service = moderation(db, keys, translator, regions, clock=clock)
    anna = await join(service, MOD_A, "anna")
    reports = ReportService(db, keys[0], per_hour=50, clock=clock, reporters=service.reporters)
    await reports.submit(ReportDraft("moscow", "metro", "now", "vans", None, None), OUTSIDER)
    [group] = await service.review.groups()
    alert = await service.desk.draft_from_group(anna, group.region, group.window)
    with sqlite3.connect(db.path) as raw:
        assert list(raw.execute("SELECT state, decided_hour FROM reports")) == [
            ("reviewed", "2026-11-25T12")  # the hour, never the minute
        ]
    clock.now += 5 * 86400
    assert await reports.purge(retention_days=14, decided_days=3) == 0  # the draft still waits
    assert await service.desk.reject_alert(anna, alert.id)  # back to the queue: undecided again
    with sqlite3.connect(db.path) as raw:
        assert list(raw.execute("SELECT state, decided_hour FROM reports")) == [("new", None)]
    assert await reports.purge(retention_days=14, decided_days=3) == 0
    [group] = await service.review.groups()
    alert = await service.desk.draft_from_group(anna, group.region, group.window)
    boris = await join(service, MOD_B, "boris")
    for moderator in (anna, boris):
        await service.desk.approve(moderator, alert.id, alert.text_hash, None, "ru")
    assert await alert_state(service, alert.id) in ("sending", "sent")
    clock.now += 3 * 86400 + 3600  # three days after the decision, and the draft was approved
    assert await reports.purge(retention_days=14, decided_days=3) == 1


async def test_an_alert_gives_its_times_in_its_regions_zone(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    """Yakutia is UTC+9: reports sent at 12:00 UTC read 21:00 there, and the alert (drafted
    at 12:00 UTC, valid for 6 h here) is valid until 03:00 the next day, Yakutsk time."""
    service = moderation(db, keys, translator, regions, needed=1)
    anna = await join(service, MOD_A, "anna")
    await report(db, keys, OUTSIDER, "sakha")
    group = (await service.review.groups())[0]
    alert = await service.desk.draft_from_group(anna, group.region, group.window)
    assert "Сообщения отправлены: 25.11, 21:00 по Якутску, UTC+9" in alert.text_ru
    assert "Reports sent: 25.11, 21:00 Yakutsk time, UTC+9" in alert.text_en
    assert "23:00" not in alert.text_ru  # not the end of a two-hour window still to come
    await service.desk.approve(anna, alert.id, alert.text_hash, None, "ru")
    sent = await service.desk.alert(alert.id)
    assert sent is not None and sent.reported_first == sent.reported_last == "2026-11-25T12"
    assert "действует до 26.11.2026, 03:00 по Якутску, UTC+9" in sent.text_ru
    assert "valid until 26.11.2026, 03:00 Yakutsk time, UTC+9" in sent.text_en


async def test_an_announcement_says_which_language_it_is_in_to_readers_of_the_other(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    service = moderation(db, keys, translator, regions, needed=1)
    admin = await service.team.identify(ADMIN)
    assert admin is not None
    russian = await service.desk.draft_announcement(admin, "Сегодня вечером открыты убежища")
    assert "📢 <b>Announcement from the helpline</b>\n<i>(in Russian)</i>\n\n" in russian.text_en
    assert "на русском" not in russian.text_ru and "Объявление" in russian.text_ru
    english = await service.desk.draft_announcement(admin, "Shelters open tonight")
    assert "<i>(на английском)</i>" in english.text_ru and "(in" not in english.text_en
    assert english.text_hash == text_hash(english.text_ru, english.text_en)
    # Each reader's text is signed as it is shown to them.
    assert (await service.desk.approve(admin, english.id, english.text_hash, None, "en")).outcome
    sent = await service.desk.alert(english.id)
    assert sent is not None and "(на английском)" in visible_text(sent.text_ru)
    assert verify_alert(keys[0].signing_public, visible_text(sent.text_ru)).genuine


async def test_a_typed_place_says_its_language_to_readers_of_the_other(
    db: Database, keys: Keys, translator: Translator, regions: RegionCatalog
) -> None:
    service = moderation(db, keys, translator, regions)
    anna = await join(service, MOD_A, "anna")
    await report(db, keys, OUTSIDER)
    group = (await service.review.groups())[0]
    alert = await service.desk.draft_from_group(anna, group.region, group.window)
    edited = await service.desk.edit(anna, alert.id, AlertField.AREA, "м. Выхино, выход 2")
    assert edited is not None
    assert "Выхино, выход 2 (in Russian)" in edited.text_en
    assert "Где: м. Выхино, выход 2\n" in edited.text_ru
    numbers = await service.desk.edit(anna, alert.id, AlertField.AREA, "12")
    assert numbers is not None and "(in" not in numbers.text_en
