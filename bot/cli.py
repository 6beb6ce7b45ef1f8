"""The `helpline-bot` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence

from bot import __version__
from bot.config import ConfigError, Settings, load_settings
from bot.content.faq import ContentError
from bot.logs import setup_logging
from bot.storage.db import StorageError

EXIT_OK, EXIT_PROBLEMS, EXIT_CONFIG = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="helpline-bot",
        description="Anonymous Telegram helpline for people facing conscription.",
        epilog="Configuration comes from environment variables or a .env file; see README.md.",
    )
    parser.add_argument("--version", action="version", version=f"helpline-bot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run", help="start the bot (long polling)", description="Start the bot with long polling."
    )
    run.set_defaults(handler=_cmd_run)

    migrate = commands.add_parser(
        "migrate",
        help="create or upgrade the database and exit",
        description="Create the database in DATA_DIR or apply pending migrations, then exit.",
    )
    migrate.set_defaults(handler=_cmd_migrate)

    check = commands.add_parser(
        "check",
        help="validate configuration, content and database; exit non-zero on problems",
        description="Validate configuration, message catalogues and the database. Prints one "
        "line per problem and exits 1 if there is any.",
    )
    check.set_defaults(handler=_cmd_check)

    demo = commands.add_parser(
        "demo",
        help="chat with the bot in this terminal (no token, no network)",
        description="Run the bot against a built-in local stand-in for the Telegram Bot API and "
        "chat with it here: type text, press inline buttons by typing their number. Reads "
        "lines from standard input when it is not a terminal. Nothing is kept afterwards.",
    )
    demo.add_argument("--lang", choices=("ru", "en"), default="ru", help="your Telegram language")
    demo.set_defaults(handler=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ConfigError as exc:
        print(f"helpline-bot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StorageError as exc:
        print(f"helpline-bot: database error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except ContentError as exc:
        for problem in exc.problems:
            print(f"helpline-bot: content error: {problem}", file=sys.stderr)
        print(
            "helpline-bot: not starting on broken content; `check` lists every problem",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return EXIT_OK


def _settings() -> Settings:
    settings = load_settings()
    setup_logging(settings.log_level)
    return settings


def _cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.bot_token is None:
        raise ConfigError("BOT_TOKEN is not set: get a token from @BotFather and set BOT_TOKEN")
    asyncio.run(_run(settings))
    return EXIT_OK


async def _run(settings: Settings) -> None:
    from bot.app import build_app, run_polling

    app = await build_app(settings)
    try:
        await run_polling(app)
    finally:
        # Normally the shutdown hook has done this; not when start-up itself failed.
        await app.db.close()
        await app.bot.session.close()


def _cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings()
    applied, version = asyncio.run(_migrate(settings))
    if applied:
        print(
            f"database {settings.database_path}: applied {applied} migration(s), now at {version}"
        )
    else:
        print(f"database {settings.database_path}: up to date at version {version}")
    return EXIT_OK


async def _migrate(settings: Settings) -> tuple[int, int]:
    from bot.storage import migrations
    from bot.storage.db import Database

    db = await Database.open(settings.database_path)
    try:
        applied = await migrations.apply(db)
        return len(applied), await migrations.current_version(db)
    finally:
        await db.close()


def _cmd_check(args: argparse.Namespace) -> int:
    from bot.checks import run_checks

    settings = _settings()
    report = asyncio.run(run_checks(settings))
    for line in report.notes:
        print(f"ok: {line}")
    for line in report.warnings:
        print(f"warning: {line}")
    for line in report.problems:
        print(f"problem: {line}")
    return EXIT_PROBLEMS if report.problems else EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    logging.getLogger().handlers.clear()
    setup_logging("WARNING")
    return asyncio.run(run_demo(user_language=args.lang))


if __name__ == "__main__":
    raise SystemExit(main())
