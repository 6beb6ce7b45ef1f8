"""`helpline-bot reports export`: every stored report decrypted to JSON lines, for the
organisation's own analysis on a trusted machine (audited before any plaintext is printed).
Not the top-level `export` (bot/backup_cli.py), which moves a whole instance, encrypted."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.cli import EXIT_OK, audit_operator, command_settings
from bot.config import Settings
from bot.storage.reports import ReportRepository, StoredReport

T = TypeVar("T")


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reports = commands.add_parser(
        "reports",
        help="work with stored raid reports (needs the passphrase)",
        description="Commands for the organisation's own analysis, on a trusted machine. "
        "(`reports export` decrypts reports for reading; the top-level `export` moves a whole "
        "instance, encrypted, to another server.)",
    )
    reports_commands = reports.add_subparsers(
        dest="reports_command", metavar="REPORTS_COMMAND", required=True
    )
    export = reports_commands.add_parser(
        "export",
        help="decrypt reports to JSON lines on standard output (not the top-level `export`)",
        description="Decrypt every stored report and print one JSON object per line: id, hour, "
        "region, place, time bucket, state, text, location, photo file id. Reports whose key "
        'was destroyed are listed with "expired": true. Never run this on the bot\'s server '
        "unless you trust it: the output is the plaintext.",
    )
    export.set_defaults(handler=cmd_reports_export)


def cmd_reports_export(args: argparse.Namespace) -> int:
    import json

    from bot.crypto.keyring import UnlockedKeyring
    from bot.crypto.passphrase import obtain_passphrase
    from bot.crypto.sealing import KeyDestroyed
    from bot.services.review import moved_from, open_report

    settings = command_settings()
    passphrase = obtain_passphrase(settings.key_passphrase, settings.key_passphrase_file)
    ring = UnlockedKeyring.unlock(settings.keyring_dir, passphrase)
    rows = asyncio.run(_all_reports(settings))
    audit_operator(settings, ring, "reports.export", str(len(rows)))  # before any plaintext
    for row in rows:
        record: dict[str, object] = {
            "id": row.id,
            "hour": row.created_hour,
            "region": row.region,
            "place": row.place_type,
            "when": row.time_bucket,
            "state": row.state,
        }
        try:
            payload = open_report(ring, row)
        except KeyDestroyed:
            record["expired"] = True
        else:
            record |= payload
            # Not as sent: the clear columns were changed after the report was stored.
            record["moved_from"] = moved_from(row, payload)
        print(json.dumps(record, ensure_ascii=False))
    print(f"exported {len(rows)} report(s)", file=sys.stderr)
    return EXIT_OK


async def _all_reports(settings: Settings) -> list[StoredReport]:
    return await with_reports(settings, lambda repo: repo.all())


async def with_reports(settings: Settings, use: Callable[[ReportRepository], Awaitable[T]]) -> T:
    """Open the database (migrated), run `use` on the reports repository, close it."""
    from bot.storage import migrations
    from bot.storage.db import Database

    db = await Database.open(settings.database_path)
    try:
        await migrations.apply(db)
        return await use(ReportRepository(db))
    finally:
        await db.close()
