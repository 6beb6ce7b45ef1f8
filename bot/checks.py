"""`helpline-bot check`: everything an operator should fix before `run`, one line per problem."""

from __future__ import annotations

import datetime as dt
import stat
from dataclasses import dataclass, field

from bot.config import Settings
from bot.content.faq import ContentError
from bot.content.store import load_content
from bot.i18n import Tr, Translator, check_catalogs
from bot.storage import migrations
from bot.storage.db import Database, StorageError
from bot.storage.moderators import ModeratorRepository


@dataclass
class CheckReport:
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


async def run_checks(settings: Settings) -> CheckReport:
    report = CheckReport()
    _check_settings(settings, report)
    _check_alert_lifetimes(settings, report)
    _check_report_lifetimes(settings, report)
    catalog_problems = check_catalogs(settings.content_dir / "locales")
    report.problems.extend(catalog_problems)
    if not catalog_problems:
        report.notes.append("message catalogues: ru and en have the same keys")
        _check_content(settings, report)
    await _check_database(settings, report)
    _check_keyring(settings, report)
    return report


def _check_keyring(settings: Settings, report: CheckReport) -> None:
    """Keys are needed by reports and alerts; say which unlock mode this instance runs in."""
    from bot.crypto.keyring import KeyringError, KeyringMissing, PublicKeyring, UnlockedKeyring
    from bot.crypto.passphrase import PassphraseUnavailable, configured_passphrase

    keys_dir = settings.keyring_dir
    try:
        ring = PublicKeyring.load(keys_dir)
    except KeyringMissing:
        report.warnings.append(
            f"no keyring in {keys_dir}: run `helpline-bot keys init` before reports are enabled"
        )
        return
    except KeyringError as exc:
        report.problems.append(f"keyring {keys_dir}: {exc}")
        return
    try:
        passphrase = configured_passphrase(settings.key_passphrase, settings.key_passphrase_file)
    except PassphraseUnavailable as exc:
        report.problems.append(str(exc))
        return
    if passphrase is None:
        report.notes.append(
            f"keyring {keys_dir}: hardened mode (no passphrase configured): `run` asks for it "
            "on a terminal and starts locked without one"
        )
        return
    try:
        UnlockedKeyring.unlock(keys_dir, passphrase)
    except KeyringError as exc:
        report.problems.append(f"keyring {keys_dir}: {exc}")
        return
    report.notes.append(
        f"keyring {keys_dir}: unattended mode, unlocks with the configured passphrase; "
        f"current review key {ring.current_review_key.key_id}; "
        f"signing key fingerprint {ring.fingerprint()}"
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
        f"content: {len(entries)} FAQ entries in ru and en, {len(content.contacts)} contacts, "
        f"{len(content.questionnaire.questions)} questionnaire questions"
    )
    today = dt.date.today()
    for entry in content.faq.stale(today, settings.content_review_days):
        age = (today - entry.reviewed).days
        report.warnings.append(
            f"{entry.path}: reviewed {age} days ago "
            f"(CONTENT_REVIEW_DAYS={settings.content_review_days}); re-check it against the law"
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
    if data_dir.exists() and stat.S_IMODE(data_dir.stat().st_mode) & 0o077:
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
        moderators = 0 if todo else await ModeratorRepository(db).count()
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
    people = moderators + len(settings.admin_ids)
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
