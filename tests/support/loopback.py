"""aiogram's HTTP session without the SSL grace wait, for bots that talk to the loopback stand-in.

`AiohttpSession.close` sleeps 250 ms after closing, so that SSL connections can finish closing
(aiohttp's "graceful shutdown" advice). The stand-in speaks plain HTTP on 127.0.0.1, so in the
test process there is nothing to wait for, and the wait came at every stop of an in-process bot
and every check or backup run that made a session (about 400 a fast-tier run). The real
processes tests/e2e start keep aiogram's close as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from aiogram.client.session.aiohttp import AiohttpSession


async def close_without_ssl_grace(self: AiohttpSession) -> None:
    """`AiohttpSession.close` minus its closing `asyncio.sleep(0.25)`."""
    if self._session is not None and not self._session.closed:
        await self._session.close()


@contextmanager
def no_ssl_grace() -> Iterator[None]:
    with mock.patch.object(AiohttpSession, "close", close_without_ssl_grace):
        yield
