"""`helpline-bot demo`: the bot in this terminal, against the local Bot API stand-in
(bot/demo.py runs the chat; nothing is kept afterwards)."""

from __future__ import annotations

import argparse
import asyncio
import logging

from bot.i18n import LANGUAGES
from bot.logs import setup_logging


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="chat with the bot in this terminal (no token, no network)",
        description="Run the bot against a built-in local stand-in for the Telegram Bot API and "
        "chat with it here: type text, press a message's inline buttons by typing their number "
        '(N.k), send several lines as one message between two lines of """. Reads lines from '
        "standard input when it is not a terminal. Nothing is kept afterwards.",
    )
    demo.add_argument("--lang", choices=LANGUAGES, default="ru", help="your Telegram language")
    demo.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    logging.getLogger().handlers.clear()
    setup_logging("WARNING")
    return asyncio.run(run_demo(user_language=args.lang))
