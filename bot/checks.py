"""`helpline-bot check`: everything an operator should fix before `run`, one line per problem."""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import (
    Settings,
    data_dir_problem,
    keys_dir_problem,
    metrics_endpoint,
    port_problem,
    webhook_problem,
)
from bot.content.calendar import CALENDAR_FILE, WorkCalendar
from bot.content.emergency import LOCAL_CONTACTS, Contact
from bot.content.faq import ContentError
from bot.content.regions import RegionCatalog, RegionError
from bot.content.store import load_content
from bot.i18n import Tr, Translator, check_catalogs
from bot.services.team import rule_weaknesses
from bot.storage import migrations
from bot.storage.audit import LEGACY, REKEYED, AuditRepository
from bot.storage.db import Database, StorageError
from bot.storage.moderators import ModeratorRepository

if TYPE_CHECKING:
    from bot.crypto.keyring import PublicKeyring, UnlockedKeyring


GET_ME_SECONDS = 15  # how long `check` waits for the Bot API's answer


@dataclass
class CheckReport:
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


async def run_checks(
    settings: Settings, *, offline: bool = False, webhook: bool = False
) -> CheckReport:
    """Everything `run` refuses before it polls is a problem here too; `offline` skips getMe,
    `webhook` adds what `run --webhook` refuses."""
    report = CheckReport()
    _check_settings(settings, report)
    _check_metrics(settings, report)
    if webhook:
        _check_webhook(settings, report)
    _check_token(settings, report)
    _check_data_dir(settings, report)
    _check_region_channels(settings, report)
    if not offline:
        await check_bot_api(settings, report)
    _check_alert_lifetimes(settings, report)
    _check_report_lifetimes(settings, report)
    catalog_problems = check_catalogs(settings.content_dir / "locales")
    report.problems.extend(catalog_problems)
    if not catalog_problems:
        report.notes.append("message catalogues: ru and en have the same keys")
        _check_content(settings, report)
    await _check_database(settings, report)
    _check_secret_files(settings, report)
    # A file in the keyring's place already is a problem above; it is no destroyed keyring.
    unlocked = None if keys_dir_problem(settings) else _check_keyring(settings, report)
    await check_audit_log(settings, report, unlocked)
    return report


def _check_keyring(settings: Settings, report: CheckReport) -> UnlockedKeyring | None:
    """Keys are needed by reports and alerts; say which unlock mode this instance runs in."""
    from bot.crypto.keyring import KeyringDestroyed, KeyringError, KeyringMissing, PublicKeyring

    keys_dir = settings.keyring_dir
    try:
        ring = PublicKeyring.load(keys_dir)
    except KeyringMissing:
        report.warnings.append(
            f"no keyring in {keys_dir}: run `helpline-bot keys init` before reports are enabled"
        )
        return None
    except KeyringDestroyed as exc:
        report.notes.append(
            f"keyring {keys_dir}: destroyed on purpose at {exc.destroyed_at}; the bot serves "
            "guidance only (reports and alerts are off)"
        )
        return None
    except KeyringError as exc:
        report.problems.append(f"keyring {keys_dir}: {exc}")
        return None
    if _check_trust(settings, ring, report):
        return _check_unlock(settings, ring, report)
    return None


def _check_trust(settings: Settings, ring: PublicKeyring, report: CheckReport) -> bool:
    """The out-of-band fingerprint and the review keys' signatures; False on a problem."""
    from bot.crypto.keyring import KeyringError
    from bot.services.keytrust import UNPINNED_ADVICE, check_fingerprint

    keys_dir = settings.keyring_dir
    try:
        check_fingerprint(ring, settings.signing_key_fingerprint)
        state = ring.signature_state()
    except KeyringError as exc:
        report.problems.append(f"keyring {keys_dir}: {exc}")
        return False
    if settings.signing_key_fingerprint is None:
        report.warnings.append(UNPINNED_ADVICE)
    else:
        report.notes.append(f"keyring {keys_dir}: signing key matches SIGNING_KEY_FINGERPRINT")
    if state == "unsigned":
        report.warnings.append(
            f"keyring {keys_dir}: review keys are not signed yet (a keyring from an older "
            "version); the next start with the passphrase signs them"
        )
    _check_backup_key(settings, ring, report)
    return True


def _check_backup_key(settings: Settings, ring: PublicKeyring, report: CheckReport) -> None:
    """Backups are optional; a backup key the signing key does not vouch for is a problem."""
    from bot.crypto.keyring import KeyringError

    if ring.backup_key is None:
        report.notes.append(
            "backup key: none yet (`helpline-bot keys backup-key` once, before `backup`)"
        )
        return
    try:
        key = ring.trusted_backup_key()
    except KeyringError as exc:
        report.problems.append(f"keyring {settings.keyring_dir}: {exc}")
        return
    report.notes.append(
        f"backup key {key.key_id}: backups are sealed to it; its private half belongs off "
        "this server"
    )


def _check_unlock(
    settings: Settings, ring: PublicKeyring, report: CheckReport
) -> UnlockedKeyring | None:
    from bot.crypto.keyring import KeyringError, UnlockedKeyring
    from bot.crypto.passphrase import PassphraseUnavailable, configured_passphrase

    keys_dir = settings.keyring_dir
    try:
        passphrase = configured_passphrase(settings.key_passphrase, settings.key_passphrase_file)
    except PassphraseUnavailable as exc:
        report.problems.append(str(exc))
        return None
    if passphrase is None:
        report.notes.append(
            f"keyring {keys_dir}: hardened mode (no passphrase configured): `run` asks for it "
            "on a terminal and starts locked without one"
        )
        return None
    try:
        unlocked = UnlockedKeyring.unlock(keys_dir, passphrase)
    except KeyringError as exc:
        report.problems.append(f"keyring {keys_dir}: {exc}")
        return None
    report.notes.append(
        f"keyring {keys_dir}: unattended mode, unlocks with the configured passphrase; "
        f"current review key {ring.current_review_key.key_id}; "
        f"signing key fingerprint {ring.fingerprint()}"
    )
    return unlocked


async def check_audit_log(
    settings: Settings, report: CheckReport, unlocked: UnlockedKeyring | None
) -> None:
    """Verify the audit chain when the passphrase is configured; otherwise say why not."""
    path = settings.database_path
    if not path.exists():
        return
    if unlocked is None:
        report.warnings.append(f"audit log not verified: {_why_not_verified(settings)}")
        return
    try:
        db = await Database.open(path)
    except StorageError:
        report.warnings.append(
            "audit log not verified: the database cannot be opened (see the database line)"
        )
        return
    try:
        if await migrations.pending(db, migrations.discover()):
            report.warnings.append("audit log not verified: the database is not migrated yet")
            return
        await _verify_audit_log(AuditRepository(db), unlocked, report)
    except StorageError as exc:
        report.problems.append(f"audit log not verified: database {path}: {exc}")
    finally:
        await db.close()


def _why_not_verified(settings: Settings) -> str:
    from bot.crypto.keyring import KeyringDestroyed, KeyringError, KeyringMissing, PublicKeyring
    from bot.crypto.passphrase import PassphraseUnavailable, configured_passphrase

    try:
        PublicKeyring.load(settings.keyring_dir)
        passphrase = configured_passphrase(settings.key_passphrase, settings.key_passphrase_file)
    except KeyringMissing:
        return "there is no keyring yet (nothing could have been appended under its key)"
    except KeyringDestroyed:
        return "the keyring was destroyed on purpose, and its key with it (nothing can verify it)"
    except (KeyringError, PassphraseUnavailable):
        return "the keyring cannot be opened (see the keyring line)"
    if passphrase is None:
        return (
            "its key needs the passphrase and none is configured (hardened mode); "
            "the bot verifies it at every start with the passphrase"
        )
    return "the keyring did not unlock (see the keyring line)"


async def _verify_audit_log(
    audit: AuditRepository, unlocked: UnlockedKeyring, report: CheckReport
) -> None:
    from bot.services.audit_trail import AuditHead, audit_key

    form = await audit.form()
    if form == REKEYED:
        report.notes.append(
            f"audit log: {len(await audit.entries())} entries written under a previous keyring "
            "(`keys init`); the next unlocked start keeps them unverified and starts a new chain"
        )
        return
    if form == LEGACY:
        count, broken = len(await audit.entries()), await audit.verify_legacy()
        if broken is not None:
            report.problems.append(
                f"audit log: the old unkeyed chain is broken at seq {broken} (an entry was "
                "edited or deleted); the next unlocked start keeps it as evidence"
            )
        else:
            report.notes.append(
                f"audit log: {count} entries in the old unkeyed form, intact; the next "
                "unlocked start re-chains them under the key"
            )
        return
    verdict = await audit.verify(audit_key(unlocked))
    head = AuditHead.of(verdict.head)
    if verdict.broken_at is not None:
        report.problems.append(
            f"audit log: broken at seq {verdict.broken_at} (an entry was edited, deleted or "
            f"forged); {verdict.checked} entries verify before it; head {head}"
        )
        return
    kept = f" ({verdict.unverified} earlier ones kept unverified)" if verdict.unverified else ""
    report.notes.append(
        f"audit log: {verdict.checked} entries verified under the key{kept}; "
        f"head {head or 'none (empty)'}"
    )


def _check_secret_files(settings: Settings, report: CheckReport) -> None:
    """The token and the passphrase sit in these files: nobody but the bot's user may read
    them, and nobody else may change them (an edited .env can point the bot anywhere)."""
    files = [(Path(".env"), ".env")]
    if settings.key_passphrase_file is not None:
        files.append((settings.key_passphrase_file, "KEY_PASSPHRASE_FILE"))
    if settings.bot_token_file is not None:
        files.append((settings.bot_token_file, "BOT_TOKEN_FILE"))
    for path, name in files:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            continue
        if mode & 0o066:
            report.warnings.append(
                f"{name} {path.resolve()} is readable or writable by group or others "
                f"(mode {mode:o}): run chmod 600 {path.resolve()}"
            )


def token_problem(settings: Settings) -> str | None:
    """A BOT_TOKEN that is not shaped like one (`run` refuses it before anything else)."""
    from aiogram.utils.token import TokenValidationError, validate_token

    if settings.bot_token is None:
        return None
    try:
        validate_token(settings.bot_token.get_secret_value())
    except TokenValidationError:
        return "BOT_TOKEN is not a valid bot token (it looks like 123456:ABC...; ask @BotFather)"
    return None


def _check_webhook(settings: Settings, report: CheckReport) -> None:
    """What `run --webhook` refuses: the URL and the secret, then whether the port is free (a
    running bot holds it: stop it first, or read this line as "already serving")."""
    problem = webhook_problem(settings) or port_problem(settings.listen_host, settings.listen_port)
    if problem is not None:
        report.problems.append(problem)
        return
    report.notes.append(
        f"webhook: Telegram posts to {settings.webhook_url}; the listener binds "
        f"{settings.listen_host}:{settings.listen_port} (path {settings.webhook_path}, "
        "/healthz beside it)"
    )


def _check_metrics(settings: Settings, report: CheckReport) -> None:
    """METRICS_ADDR off loopback shows anyone who reaches it how busy the instance is."""
    if settings.metrics_addr is None:
        return
    host, port = metrics_endpoint(settings.metrics_addr)
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: only the operator knows where it points
        loopback = False
    if loopback:
        report.notes.append(f"metrics: {settings.metrics_addr}/metrics while the bot runs")
    else:
        report.warnings.append(
            f"METRICS_ADDR {settings.metrics_addr} is not a loopback address: anyone who can "
            f"reach port {port} learns how busy the bot is; use 127.0.0.1 or [::1] (or a firewall)"
        )


def _check_token(settings: Settings, report: CheckReport) -> None:
    problem = token_problem(settings)
    if problem is not None:
        report.problems.append(problem)


def _check_data_dir(settings: Settings, report: CheckReport) -> None:
    for problem in (data_dir_problem(settings.data_dir), keys_dir_problem(settings)):
        if problem is not None and problem not in report.problems:
            report.problems.append(problem)


def unknown_region_codes(settings: Settings, regions: RegionCatalog) -> str | None:
    """REGION_CHANNELS may only name regions of content/regions.toml (`run` refuses others)."""
    unknown = sorted(code for code in settings.region_channels if regions.get(code) is None)
    if not unknown:
        return None
    return (
        f"REGION_CHANNELS names unknown region code(s) {', '.join(unknown)}:"
        " use the codes in content/regions.toml"
    )


def _check_region_channels(settings: Settings, report: CheckReport) -> None:
    """The regions file loads as `run` loads it (codes, aliases, each region's time zone), and
    REGION_CHANNELS names only its regions."""
    try:
        regions = RegionCatalog.load(settings.content_dir / "regions.toml")
    except RegionError as exc:
        report.problems.append(str(exc))
        return
    problem = unknown_region_codes(settings, regions)
    if problem is not None:
        report.problems.append(problem)


async def check_bot_api(settings: Settings, report: CheckReport) -> None:
    """getMe once, as `run` does first: a rejected token or an unreachable API is a problem."""
    import asyncio

    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import ClientDecodeError, TelegramAPIError, TelegramNetworkError
    from aiogram.utils.token import TokenValidationError

    from bot.lifecycle import refusal

    if settings.bot_token is None:
        return
    where = "the official Bot API" if settings.uses_official_api else settings.bot_api_url
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.bot_api_url))
    try:
        bot = Bot(settings.bot_token.get_secret_value(), session=session)
    except TokenValidationError:
        await session.close()
        return  # _check_token said so
    try:
        async with asyncio.timeout(GET_ME_SECONDS):
            me = await bot.get_me(request_timeout=GET_ME_SECONDS)
    except (TelegramNetworkError, TimeoutError) as exc:
        report.problems.append(
            f"{where} is unreachable ({type(exc).__name__}): `run` would wait for it; "
            "check the network or BOT_API_URL (`check --offline` skips this)"
        )
        return
    except (TelegramAPIError, ClientDecodeError) as exc:
        report.problems.append(refusal(exc))
        return
    finally:
        await session.close()
    report.notes.append(f"{where}: the token belongs to @{me.username}")
    if settings.backup_bot and settings.backup_bot.lower() == (me.username or "").lower():
        report.problems.append(
            f"BACKUP_BOT @{settings.backup_bot} is this bot itself: after a takedown it would "
            "point people at the bot that is gone; name a second bot (or leave it empty)"
        )


def _check_content(settings: Settings, report: CheckReport) -> None:
    translator = Translator.load(settings.content_dir / "locales")
    try:
        content = load_content(settings.content_dir, lambda lang: Tr(translator, lang))
    except ContentError as exc:
        report.problems.extend(exc.problems)
        return
    entries = content.faq.ids()
    report.notes.append(
        f"content: {len(entries)} FAQ entries in ru and en, {_contacts_note(content.contacts)}, "
        f"{len(content.questionnaire.questions)} questionnaire questions, "
        f"{len(content.templates.templates)} document templates"
    )
    today = dt.date.today()
    _check_contacts_age(settings, content.contacts, today, report)
    _check_calendar(content.calendar, today, report)
    for entry in content.faq.stale(today, settings.content_review_days):
        age = (today - entry.reviewed).days
        report.warnings.append(
            f"{entry.path}: reviewed {age} days ago "
            f"(CONTENT_REVIEW_DAYS={settings.content_review_days}); re-check it against the law"
        )
    for template in content.templates.stale(today, settings.content_review_days):
        age = (today - template.reviewed).days
        report.warnings.append(
            f"{template.path}: reviewed {age} days ago "
            f"(CONTENT_REVIEW_DAYS={settings.content_review_days}); re-check it against the law"
        )


def _contacts_note(contacts: tuple[Contact, ...]) -> str:
    local = sum(1 for c in contacts if c.local)
    note = f"{len(contacts)} contact{'' if len(contacts) == 1 else 's'}"
    return note + (f" ({local} from {LOCAL_CONTACTS})" if local else "")


def _check_contacts_age(
    settings: Settings, contacts: tuple[Contact, ...], today: dt.date, report: CheckReport
) -> None:
    """A contact checked long ago may have moved, closed or changed status: say which."""
    for contact in contacts:
        age = (today - contact.verified).days
        if age > settings.content_review_days:
            path = settings.content_dir / (LOCAL_CONTACTS if contact.local else "contacts.toml")
            report.warnings.append(
                f"{path}: contact '{contact.id}' verified {age} days ago "
                f"(CONTENT_REVIEW_DAYS={settings.content_review_days}); re-check its status "
                "and address"
            )


def _check_calendar(calendar: WorkCalendar, today: dt.date, report: CheckReport) -> None:
    """The deadline calculator moves a fine appeal's last day off non-working days: say which
    years it knows, and warn when this year or (from October, when the decree usually
    appears) the next one is missing."""
    years = sorted(calendar.years)
    known = ", ".join(str(y) for y in years) or "none"
    report.notes.append(f"calendar: non-working days for {known} (content/{CALENDAR_FILE})")
    wanted = [today.year] + ([today.year + 1] if today.month >= 10 else [])
    for year in wanted:
        if not calendar.knows(year):
            report.warnings.append(
                f"content/{CALENDAR_FILE}: no non-working days for {year}; add them from the "
                "Government's decree on moving days off (the calculator says the date may move)"
            )


def _check_settings(settings: Settings, report: CheckReport) -> None:
    if settings.bot_token is None:
        report.warnings.append("BOT_TOKEN is not set: `run` needs it (`demo` does not)")
    if not settings.admin_ids:
        report.warnings.append("ADMIN_IDS is empty: nobody can run admin commands")
    api = "the official Bot API" if settings.uses_official_api else settings.bot_api_url
    report.notes.append(f"Bot API: {api}")


async def _check_database(settings: Settings, report: CheckReport) -> None:
    data_dir = settings.data_dir
    if data_dir.is_dir() and stat.S_IMODE(data_dir.stat().st_mode) & 0o077:
        report.warnings.append(f"DATA_DIR {data_dir} is readable by others; it will be set to 0700")
    path = settings.database_path
    if not path.exists():
        report.notes.append(f"database {path} does not exist yet (`migrate` or `run` creates it)")
        return
    try:
        db = await Database.open(path)
    except StorageError as exc:
        report.problems.append(f"database {path}: {exc}")
        return
    try:
        todo = await migrations.pending(db, migrations.discover())
        version = await migrations.current_version(db)
        moderators = 0 if todo else await ModeratorRepository(db).count(active_only=True)
    except StorageError as exc:
        report.problems.append(f"database {path}: {exc}")
        return
    finally:
        await db.close()
    if todo:
        report.warnings.append(
            f"database {path} is at version {version}; {len(todo)} migration(s) pending "
            "(applied automatically at start, or run `migrate`)"
        )
    else:
        report.notes.append(f"database {path}: schema up to date at version {version}")
        _check_moderators(settings, report, moderators)


def _check_alert_lifetimes(settings: Settings, report: CheckReport) -> None:
    if settings.alert_ttl_hours >= settings.alert_retention_days * 24:
        report.warnings.append(
            f"ALERT_TTL_HOURS={settings.alert_ttl_hours} is not shorter than"
            f" ALERT_RETENTION_DAYS={settings.alert_retention_days}: alerts would be deleted"
            " before they expire, and their copies never say so"
        )


def _check_report_lifetimes(settings: Settings, report: CheckReport) -> None:
    """REPORT_RETENTION_DAYS is the hard cap: a longer decided retention never takes effect."""
    if settings.report_decided_retention_days > settings.report_retention_days:
        report.warnings.append(
            f"REPORT_DECIDED_RETENTION_DAYS={settings.report_decided_retention_days} is longer"
            f" than REPORT_RETENTION_DAYS={settings.report_retention_days}: every report is"
            " deleted after REPORT_RETENTION_DAYS anyway"
        )


def _check_moderators(settings: Settings, report: CheckReport, moderators: int) -> None:
    """`moderators`: the confirmed ones (pending ones cannot approve)."""
    people = moderators + len(settings.admin_ids)
    for weakness in rule_weaknesses(settings.alert_approvals, people):
        report.warnings.append(f"the two-person rule rests on one person: {weakness}")
    if people < settings.alert_approvals:
        report.warnings.append(
            f"ALERT_APPROVALS={settings.alert_approvals} but there are only {people} moderator(s)"
            f" (admins included): no alert can be sent until more are invited (/invite), or"
            " lower ALERT_APPROVALS deliberately"
        )
    else:
        report.notes.append(
            f"moderators: {moderators} plus {len(settings.admin_ids)} admin(s);"
            f" an alert needs {settings.alert_approvals} approval(s)"
        )
