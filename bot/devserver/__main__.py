"""`python -m bot.devserver --port 8081 [--token T]`: run the stand-in until SIGINT/SIGTERM.

Prints one line, `devserver: <url> token=<token>`, once it accepts connections, so a benchmark
or a person can start the bot against it (BOT_API_URL=<url>).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from .server import DEFAULT_TOKEN, FakeBotAPI


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot.devserver",
        description="Local stand-in for the Telegram Bot API (binds 127.0.0.1 only).",
    )
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-username", default="helpline_test_bot")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    server = FakeBotAPI(token=args.token, bot_username=args.bot_username)
    await server.start(args.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"devserver: {server.base_url} token={server.token}", flush=True)
    try:
        await stop.wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except OSError as exc:  # most often: the port is taken
        print(f"devserver: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
