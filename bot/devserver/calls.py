"""The call log: every Bot API request the stand-in answered, for tests to check and wait for."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .protocol import Params, Upload

BRIEF_PARAMS = ("chat_id", "message_id", "callback_query_id")


@dataclass
class Call:
    """One Bot API request as the stand-in saw it: decoded params and what it answered."""

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]
    ts: float
    index: int = 0
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    dropped: bool = False  # the connection was closed instead of (or after) answering

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.dropped

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def description(self) -> str | None:
        return self.response.get("description")

    def to_dict(self) -> dict[str, Any]:
        # Shallow on purpose: the control API serialises it at once, and a deep copy of every
        # recorded request and response made polling the call log cost more than the Bot API.
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def brief(self) -> dict[str, Any]:
        """Who and what, without the payloads: for a watcher (a benchmark) that polls the log
        while the bot is under load, so that serialising every keyboard and answer is not
        charged to the machine the bot shares."""
        return {
            "method": self.method,
            "params": {k: self.params[k] for k in BRIEF_PARAMS if k in self.params},
            "status": self.status,
            "response": {"ok": self.response.get("ok")},
            "ts": self.ts,
            "index": self.index,
            "dropped": self.dropped,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Call:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


class CallLog:
    """Calls in the order they were answered, and the tests waiting for one."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.calls: list[Call] = []
        self._waiters: list[tuple[Callable[[Call], bool], asyncio.Future[Call]]] = []

    def clear(self) -> None:
        self.calls = []

    def record(
        self,
        method: str,
        params: Params,
        status: int,
        response: dict[str, Any],
        uploads: Mapping[str, Upload] | None = None,
        *,
        dropped: bool = False,
    ) -> None:
        files = {
            key: {"filename": u.filename, "content_type": u.content_type, "size": len(u.data)}
            for key, u in (uploads or {}).items()
        }
        call = Call(
            method, params, status, response, self._clock(), len(self.calls), files, dropped
        )
        self.calls.append(call)
        for predicate, future in self._waiters:
            if future.done():
                continue
            try:
                if predicate(call):
                    future.set_result(call)
            except Exception as exc:  # a broken predicate fails its waiter, not the server
                future.set_exception(exc)

    def calls_for(self, method: str) -> list[Call]:
        lower = method.lower()
        return [c for c in self.calls if c.method.lower() == lower]

    async def wait_for(
        self,
        predicate: Callable[[Call], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - the documented API, like asyncio.wait_for
        *,
        since: int = 0,
    ) -> Call:
        """The first call from index `since` on (already made or still to come) that matches."""
        for call in self.calls[since:]:
            if predicate(call):
                return call
        future: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no matching Bot API call within {timeout:g}s; recent calls:\n{self.summary()}"
            ) from None
        finally:
            self._waiters.remove(entry)

    def summary(self, last: int = 15) -> str:
        """Recent calls, one line each, for failure messages."""
        lines = []
        for call in self.calls[-last:]:
            shown = {k: v for k, v in call.params.items() if k in ("chat_id", "text", "message_id")}
            note = "" if call.ok else f" -> {call.description}"
            lines.append(f"  #{call.index} {call.method} {call.status} {shown}{note}")
        return "\n".join(lines) or "  (no calls)"
