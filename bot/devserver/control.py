"""The control API: `/_control/{action}`, the Python API of `FakeBotAPI` over HTTP.

Benchmarks run the stand-in as its own process so that its work does not share an event loop with
the code being measured; they drive it through this API with `DevServerClient` (client.py). Each
action takes the keyword arguments of the method of the same purpose as a JSON object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .protocol import json_response

if TYPE_CHECKING:
    from .server import FakeBotAPI

Body = dict[str, Any]
Query = dict[str, str]
_FAULT_KEYS = frozenset(
    {"fail_next", "drop_next", "block", "unblock", "latency", "rate_limit", "fault_rate"}
)


async def handle_control(api: FakeBotAPI, request: web.Request) -> web.StreamResponse:
    """Run one action; answers `{"ok": true, "result": ...}` or `{"ok": false, ...}`."""
    action = request.match_info["action"]
    try:
        body: Body = {}
        if request.method == "POST" and request.can_read_body:
            loaded = await request.json()
            if not isinstance(loaded, dict):
                raise ValueError("the body must be a JSON object")
            body = loaded
        query = dict(request.query)
        if action == "wait_idle":
            quiet, timeout = float(body.get("quiet", 0.3)), float(body.get("timeout", 10.0))
            await api.wait_idle(quiet, timeout)
            result: Any = True
        elif action in _ACTIONS:
            result = _ACTIONS[action](api, body, query)
        else:
            return json_response({"ok": False, "description": f"unknown action {action!r}"}, 404)
    except (ValueError, KeyError, TypeError) as exc:
        return json_response({"ok": False, "description": f"{type(exc).__name__}: {exc}"}, 400)
    except TimeoutError as exc:
        return json_response({"ok": False, "description": str(exc)}, 408)
    return json_response({"ok": True, "result": result})


def _push_message(api: FakeBotAPI, body: Body, query: Query) -> Any:
    if isinstance(body.get("location"), list):
        body["location"] = tuple(body["location"])
    return api.push_message(**body)


def _reset(api: FakeBotAPI, body: Body, query: Query) -> bool:
    api.reset()
    return True


def _faults(api: FakeBotAPI, body: Body, query: Query) -> bool:
    apply_faults(api, body)
    return True


def _calls(api: FakeBotAPI, body: Body, query: Query) -> dict[str, Any]:
    """Calls from index `since` on, and the index to ask from next time; `brief` leaves out the
    payloads (Call.brief)."""
    since = int(query["since"]) if "since" in query else int(body.get("since", 0))
    brief = bool(query.get("brief") or body.get("brief"))
    calls = [c.brief() if brief else c.to_dict() for c in api.calls[since:]]
    return {"calls": calls, "next": len(api.calls)}


def _chat_id(body: Body, query: Query) -> int:
    """A GET names the chat in the query string, a POST in the body."""
    chosen: Any = query.get("chat_id") or body["chat_id"]
    return int(chosen)


def _messages(api: FakeBotAPI, body: Body, query: Query) -> list[dict[str, Any]]:
    return [m.to_dict() for m in api.messages(_chat_id(body, query))]


def _chat_log(api: FakeBotAPI, body: Body, query: Query) -> list[dict[str, Any]]:
    return [m.to_dict() for m in api.chat_log(_chat_id(body, query))]


_ACTIONS: dict[str, Callable[[FakeBotAPI, Body, Query], Any]] = {
    "user": lambda api, body, query: api.add_user(**body),
    "chat": lambda api, body, query: api.add_chat(**body),
    "message": _push_message,
    "edited_message": lambda api, body, query: api.push_edited_message(**body),
    "callback": lambda api, body, query: api.push_callback(**body),
    "press": lambda api, body, query: api.press_button(**body),
    "inline": lambda api, body, query: api.push_inline_query(**body),
    "my_chat_member": lambda api, body, query: api.push_my_chat_member(**body),
    "raw": lambda api, body, query: api.push_raw(body.get("update", body)),
    "reset": _reset,
    "faults": _faults,
    "calls": _calls,
    "messages": _messages,
    "chat_log": _chat_log,
    "stats": lambda api, body, query: api.stats(),
}


def apply_faults(api: FakeBotAPI, body: Mapping[str, Any]) -> None:
    """`{"fail_next": {...}, "drop_next": {...}, "block": id|[ids], "unblock": ...,
    "latency": {"seconds", "method"}, "rate_limit": {...}, "fault_rate": {...}}`."""
    unknown = set(body) - _FAULT_KEYS
    if unknown:
        raise ValueError(f"unknown fault keys: {sorted(unknown)}")
    if "fail_next" in body:
        api.fail_next(**body["fail_next"])
    if "drop_next" in body:
        api.drop_next(**body["drop_next"])
    for key, apply in (("block", api.block_chat), ("unblock", api.unblock_chat)):
        if key in body:
            ids = body[key] if isinstance(body[key], list) else [body[key]]
            for chat_id in ids:
                apply(int(chat_id))
    if "latency" in body:
        api.set_latency(**body["latency"])
    if "rate_limit" in body:
        api.set_rate_limit(**body["rate_limit"])
    if "fault_rate" in body:
        api.set_fault_rate(**body["fault_rate"])
