"""Drive a stand-in running in another process through its `/_control/` HTTP API.

Benchmarks run the stand-in as its own process (`python -m bot.devserver`) so that its work does
not share an event loop with the code being measured; this client gives them the same
operations as `FakeBotAPI`, over HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiohttp import ClientSession, ClientTimeout

from .calls import Call
from .chats import ChatMessage

__all__ = ["ControlError", "DevServerClient"]


class ControlError(RuntimeError):
    """The stand-in refused a control request; the message is its description."""


class DevServerClient:
    """Async client for `/_control/`; use as `async with DevServerClient(url) as dev: ...`."""

    def __init__(self, base_url: str, *, session: ClientSession | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._own_session = session is None
        self._next_call = 0

    async def __aenter__(self) -> DevServerClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _client(self) -> ClientSession:
        if self._session is None or self._session.closed:
            self._session = ClientSession(timeout=ClientTimeout(total=120))
            self._own_session = True
        return self._session

    async def _request(
        self,
        action: str,
        body: Mapping[str, Any] | None = None,
        *,
        query: Mapping[str, Any] | None = None,
    ) -> Any:
        url = f"{self.base_url}/_control/{action}"
        params = {k: str(v) for k, v in (query or {}).items()}
        session = self._client()
        if body is None:
            response_cm = session.get(url, params=params)
        else:
            response_cm = session.post(url, json=dict(body), params=params)
        async with response_cm as response:
            payload = await response.json()
        if not payload.get("ok"):
            raise ControlError(payload.get("description", f"HTTP {response.status}"))
        return payload["result"]

    @staticmethod
    def _given(**kwargs: Any) -> dict[str, Any]:
        return {k: v for k, v in kwargs.items() if v is not None}

    # simulated users

    async def add_user(
        self,
        user_id: int,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ru",
    ) -> dict[str, Any]:
        body = self._given(
            user_id=user_id, first_name=first_name, last_name=last_name, username=username
        )
        body["language_code"] = language_code
        result: dict[str, Any] = await self._request("user", body)
        return result

    async def add_chat(
        self,
        chat_id: int,
        *,
        chat_type: str = "supergroup",
        title: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        body = self._given(chat_id=chat_id, chat_type=chat_type, title=title, username=username)
        result: dict[str, Any] = await self._request("chat", body)
        return result

    async def push_message(self, user_id: int, text: str | None = None, **kwargs: Any) -> Any:
        """Same keywords as `FakeBotAPI.push_message`; `location` may be a list."""
        if isinstance(kwargs.get("location"), tuple):
            kwargs["location"] = list(kwargs["location"])
        return await self._request("message", self._given(user_id=user_id, text=text, **kwargs))

    async def push_edited_message(self, user_id: int, message_id: int, text: str) -> Any:
        body = {"user_id": user_id, "message_id": message_id, "text": text}
        return await self._request("edited_message", body)

    async def push_callback(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None
    ) -> Any:
        body = self._given(user_id=user_id, message_id=message_id, data=data, chat_id=chat_id)
        return await self._request("callback", body)

    async def press_button(self, user_id: int, message_id: int, index: int) -> Any:
        body = {"user_id": user_id, "message_id": message_id, "index": index}
        return await self._request("press", body)

    async def push_inline_query(self, user_id: int, query: str) -> Any:
        return await self._request("inline", {"user_id": user_id, "query": query})

    async def push_my_chat_member(self, user_id: int, status: str) -> Any:
        return await self._request("my_chat_member", {"user_id": user_id, "status": status})

    async def push_raw(self, update: Mapping[str, Any]) -> Any:
        return await self._request("raw", {"update": dict(update)})

    # what the bot did

    async def calls(self, since: int = 0, *, brief: bool = False) -> list[Call]:
        """Calls from index `since` on; `brief`: method, chat, status and time only."""
        query: dict[str, Any] = {"since": since, "brief": 1} if brief else {"since": since}
        result = await self._request("calls", query=query)
        return [Call.from_dict(c) for c in result["calls"]]

    async def new_calls(self) -> list[Call]:
        """Calls made since the previous `new_calls()`: cheap incremental polling."""
        result = await self._request("calls", query={"since": self._next_call})
        self._next_call = int(result["next"])
        return [Call.from_dict(c) for c in result["calls"]]

    async def messages(self, chat_id: int) -> list[ChatMessage]:
        result = await self._request("messages", query={"chat_id": chat_id})
        return [ChatMessage.from_dict(m) for m in result]

    async def chat_log(self, chat_id: int) -> list[ChatMessage]:
        result = await self._request("chat_log", query={"chat_id": chat_id})
        return [ChatMessage.from_dict(m) for m in result]

    async def stats(self) -> dict[str, int]:
        result: dict[str, int] = await self._request("stats")
        return result

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        await self._request("wait_idle", {"quiet": quiet, "timeout": timeout})

    async def wait_for(
        self,
        predicate: Callable[[Call], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - mirrors FakeBotAPI.wait_for
        *,
        since: int = 0,
        poll_interval: float = 0.05,
    ) -> Call:
        """Poll the call log until a call from index `since` on matches."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = await self._request("calls", query={"since": since})
            for data in result["calls"]:
                call = Call.from_dict(data)
                if predicate(call):
                    return call
            since = int(result["next"])
            if loop.time() >= deadline:
                raise TimeoutError(f"no matching Bot API call within {timeout:g}s")
            await asyncio.sleep(poll_interval)

    async def reset(self) -> None:
        self._next_call = 0
        await self._request("reset", {})

    # faults

    async def faults(self, **spec: Any) -> None:
        """Raw `/_control/faults` body, e.g. `faults(block=[1, 2], latency={"seconds": 0.1})`."""
        await self._request("faults", spec)

    async def fail_next(
        self,
        n: int,
        *,
        status: int = 500,
        method: str | None = None,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        spec = self._given(
            n=n, status=status, method=method, retry_after=retry_after, description=description
        )
        await self.faults(fail_next=spec)

    async def drop_next(
        self, n: int, *, method: str | None = None, after_processing: bool = False
    ) -> None:
        spec = self._given(n=n, method=method, after_processing=after_processing)
        await self.faults(drop_next=spec)

    async def block_chat(self, chat_id: int) -> None:
        await self.faults(block=chat_id)

    async def unblock_chat(self, chat_id: int) -> None:
        await self.faults(unblock=chat_id)

    async def set_latency(self, seconds: float, method: str | None = None) -> None:
        await self.faults(latency=self._given(seconds=seconds, method=method))

    async def set_rate_limit(
        self,
        per_second: float | None,
        *,
        per_chat_per_second: float | None = None,
        burst: float | None = None,
        chat_burst: float | None = None,
    ) -> None:
        spec = self._given(
            per_chat_per_second=per_chat_per_second, burst=burst, chat_burst=chat_burst
        )
        spec["per_second"] = per_second
        await self.faults(rate_limit=spec)

    async def set_fault_rate(
        self,
        p: float,
        *,
        status: int = 502,
        seed: int = 0,
        methods: Iterable[str] = ("sendMessage", "copyMessage", "sendPhoto"),
    ) -> None:
        spec = {"p": p, "status": status, "seed": seed, "methods": list(methods)}
        await self.faults(fault_rate=spec)
