"""The Bot API stand-in, driven by a real aiogram Bot over HTTP.

A stand-in that accepts what Telegram refuses would let bugs through to production, so these
tests check Telegram's behaviour through aiogram's own session and exception mapping rather
than by calling the server's internals.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.content.telegram_html import EntityParseError, parse_html
from bot.devserver import DevServerClient, FakeBotAPI
from bot.devserver.formatting import parse_markdown_v2

# One server and one Bot for the module: a Bot's session takes 0.25 s to close.
on_module_loop = pytest.mark.asyncio(loop_scope="module")

USER = 1001
OTHER = 1002


class Clock:
    """Wall time plus an offset, so a test can jump 48 hours ahead."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def make_bot(server: FakeBotAPI, token: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    return Bot(token or server.token, session=session)


def keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=list(rows))


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def running_server(clock: Clock) -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI(clock=clock)
    await api.start()
    yield api
    await api.stop()


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def module_bot(running_server: FakeBotAPI) -> AsyncIterator[Bot]:
    client = make_bot(running_server)
    yield client
    await client.session.close()


@pytest.fixture
def server(running_server: FakeBotAPI, clock: Clock) -> FakeBotAPI:
    """The module's server, reset, with two users who have started the bot."""
    clock.offset = 0.0
    running_server.reset()
    running_server.add_user(USER, first_name="Аня", username="anya")
    running_server.add_user(OTHER)
    return running_server


@pytest.fixture
def bot(server: FakeBotAPI, module_bot: Bot) -> Bot:
    return module_bot


# --------------------------------------------------------------------------- the parser alone


def test_html_parser_counts_visible_text_in_utf16() -> None:
    parsed = parse_html('😀 <b>жирный</b> <a href="https://e.org/?a=1&amp;b=2">ссылка</a>')
    assert parsed.text == "😀 жирный ссылка"
    assert parsed.length == 16  # the emoji is two UTF-16 code units
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 6},
        {"type": "text_link", "offset": 10, "length": 6, "url": "https://e.org/?a=1&b=2"},
    ]


def test_html_parser_merges_pre_and_code_language() -> None:
    parsed = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert parsed.entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]


@pytest.mark.parametrize(
    ("source", "wording"),
    [
        ("<blink>x</blink>", 'Unsupported start tag "blink" at byte offset 0'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("Tom & Jerry", "Unsupported HTML entity at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
    ],
)
def test_html_parser_wording(source: str, wording: str) -> None:
    with pytest.raises(EntityParseError, match=re.escape(wording)):
        parse_html(source)


def test_markdown_v2_refuses_unescaped_reserved_characters() -> None:
    assert parse_markdown_v2(r"*Итог*: 2\+2 \= 4\.").text == "Итог: 2+2 = 4."
    with pytest.raises(EntityParseError, match=r"Character '\.' is reserved"):
        parse_markdown_v2("Конец.")


# --------------------------------------------------------------------------- basics


@on_module_loop
async def test_get_me_and_auth(server: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "helpline_test_bot", True)

    intruder = make_bot(server, token="654321:wrong")
    with pytest.raises(TelegramUnauthorizedError):
        await intruder.get_me()
    await intruder.session.close()

    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.base_url}/bot{server.token}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        # Method names are case-insensitive; JSON bodies and query strings are accepted too.
        url = f"{server.base_url}/bot{server.token}/SENDMESSAGE"
        async with http.post(url, json={"chat_id": USER, "text": "json"}) as resp:
            assert resp.status == 200
        async with http.get(url, params={"chat_id": str(USER), "text": "123"}) as resp:
            assert (await resp.json())["result"]["text"] == "123"
    assert [m.text for m in server.messages(USER)] == ["json", "123"]
    assert server.calls[-1].method == "sendMessage"


@on_module_loop
async def test_long_poll_waits_and_returns_when_a_message_arrives(
    server: FakeBotAPI, bot: Bot
) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=1) == []
    assert loop.time() - started >= 0.9

    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    pushed = server.push_message(USER, "привет")
    updates = await asyncio.wait_for(poll, 2)
    assert [u.update_id for u in updates] == [pushed["update_id"]]
    message = updates[0].message
    assert message is not None and message.from_user is not None
    assert (message.text, message.chat.id, message.from_user.username) == ("привет", USER, "anya")
    assert message.message_id == pushed["message"]["message_id"]


@on_module_loop
async def test_offset_confirms_limit_and_allowed_updates(server: FakeBotAPI, bot: Bot) -> None:
    ids = [server.push_message(USER, f"m{i}")["update_id"] for i in range(3)]
    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates()] == ids  # unconfirmed: delivered again
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert await bot.get_updates(offset=ids[2] + 1) == []
    assert server.pending_updates == 0

    more = [server.push_message(USER, f"n{i}")["update_id"] for i in range(5)]
    assert [u.update_id for u in await bot.get_updates(offset=more[0], limit=2)] == more[:2]

    server.push_inline_query(USER, "повестка")
    last = server.push_message(USER, "after inline")["update_id"]
    got = await bot.get_updates(offset=more[-1] + 1, allowed_updates=["message"])
    assert [u.update_id for u in got] == [last]  # the inline query is never delivered


@on_module_loop
async def test_second_poller_terminates_the_first_with_409(server: FakeBotAPI, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(bot.get_updates(timeout=5))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 2)
    server.push_message(USER, "for the survivor")
    assert len(await asyncio.wait_for(second, 2)) == 1
    assert [c.status for c in server.calls_for("getUpdates")] == [409, 200]

    await bot.set_webhook("https://example.org/hook")
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert len(await bot.get_updates()) == 1  # still unconfirmed, so delivered again


# --------------------------------------------------------------------------- sending


@on_module_loop
async def test_send_message_is_recorded_and_visible(server: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(
        USER,
        "<b>Здравствуйте</b>, это бот",
        parse_mode="HTML",
        protect_content=True,
        disable_notification=True,
        reply_markup=keyboard([button("FAQ", "faq")]),
    )
    assert sent.text == "Здравствуйте, это бот"
    assert sent.entities is not None and sent.entities[0].type == "bold"
    assert sent.reply_markup is not None

    call = server.calls[-1]
    assert (call.method, call.status, call.params["chat_id"]) == ("sendMessage", 200, USER)
    assert call.params["protect_content"] is True
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "FAQ", "callback_data": "faq"}]]
    }

    shown = server.last_message(USER)
    assert shown is not None and shown.message_id == sent.message_id
    assert (shown.text, shown.source_text, shown.parse_mode) == (
        "Здравствуйте, это бот",
        "<b>Здравствуйте</b>, это бот",
        "HTML",
    )
    assert shown.protect_content and shown.disable_notification and shown.kind == "text"
    assert shown.buttons[0][0].callback_data == "faq"
    assert server.messages(OTHER) == []


@on_module_loop
async def test_unknown_chat_and_empty_text_are_refused(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(424242, "hello")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode="HTML")


@on_module_loop
@pytest.mark.parametrize(
    "text",
    [
        "<b>b</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins> <s>s</s> "
        "<strike>k</strike> <del>d</del> <tg-spoiler>t</tg-spoiler> "
        '<span class="tg-spoiler">p</span> <a href="https://example.org/?a=1&amp;b=2">a</a> '
        '<code>c</code> <pre>p</pre> <pre><code class="language-python">x = 1</code></pre> '
        "<blockquote>q</blockquote> <blockquote expandable>e</blockquote> "
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &lt;&gt;&amp;&quot;&#1046;&#x416;',
    ],
)
async def test_good_html_is_accepted(bot: Bot, text: str) -> None:
    sent = await bot.send_message(USER, text, parse_mode="HTML")
    assert sent.text is not None and sent.text.endswith('<>&"ЖЖ')


@on_module_loop
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<blink>no</blink>", 'Unsupported start tag "blink"'),
        ("<b>unclosed", "Can't find end tag"),
        ("<b>crossed</i>", "Unmatched end tag"),
        ("1 < 2", 'Unsupported start tag ""'),
        ("Tom & Jerry", "Unsupported HTML entity"),
    ],
)
async def test_bad_html_is_refused(server: FakeBotAPI, bot: Bot, text: str, reason: str) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities") as caught:
        await bot.send_message(USER, text, parse_mode="HTML")
    assert reason in caught.value.message
    assert server.messages(USER) == []
    assert server.calls[-1].status == 400


@on_module_loop
async def test_length_limit_counts_visible_text(bot: Bot) -> None:
    await bot.send_message(USER, "<b>" + "я" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "<b>" + "я" * 4097 + "</b>", parse_mode="HTML")
    await bot.send_message(USER, "😀" * 2048)  # 4096 UTF-16 code units
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "😀" * 2048 + "!")


@on_module_loop
async def test_keyboard_limits(bot: Bot) -> None:
    # Built by hand: aiogram's CallbackData and keyboard builder refuse these before sending.
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=keyboard([button("b", "a" * 65)]))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=keyboard([button("b", "я" * 33)]))
    await bot.send_message(USER, "ok", reply_markup=keyboard([button("b", "a" * 64)]))
    with pytest.raises(TelegramBadRequest, match="reply markup is too long"):
        row = [button(str(i), str(i)) for i in range(9)]
        await bot.send_message(USER, "x", reply_markup=keyboard(row))
    with pytest.raises(TelegramBadRequest, match="text buttons are unallowed"):
        await bot.send_message(
            USER, "x", reply_markup=keyboard([InlineKeyboardButton(text="no action")])
        )


@on_module_loop
async def test_photo_upload_file_id_and_caption_limit(server: FakeBotAPI, bot: Bot) -> None:
    uploaded = await bot.send_photo(USER, BufferedInputFile(b"jpeg bytes", "p.jpg"), caption="c")
    assert uploaded.photo is not None
    file_id = uploaded.photo[-1].file_id
    shown = server.last_message(USER)
    assert shown is not None and (shown.kind, shown.caption, shown.file_id) == (
        "photo",
        "c",
        file_id,
    )
    assert [f["size"] for f in server.calls[-1].files.values()] == [len(b"jpeg bytes")]

    file = await bot.get_file(file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b"jpeg bytes"

    await bot.send_photo(OTHER, file_id)  # a file_id is reusable, as on Telegram
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(USER, "no-such-file-id")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(USER, file_id, caption="x" * 1025)


# --------------------------------------------------------------------------- editing, deleting


@on_module_loop
async def test_edit_not_modified_and_markup_changes(server: FakeBotAPI, bot: Bot) -> None:
    markup = keyboard([button("Да", "yes"), button("Нет", "no")])
    sent = await bot.send_message(USER, "<b>Вопрос</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            text="<b>Вопрос</b>",
            chat_id=USER,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=markup,
        )
    await bot.edit_message_text(
        text="Вопрос", chat_id=USER, message_id=sent.message_id, reply_markup=markup
    )  # same text without bold is a change
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=USER, message_id=sent.message_id, reply_markup=markup
        )
    await bot.edit_message_reply_markup(chat_id=USER, message_id=sent.message_id)
    shown = server.last_message(USER)
    assert shown is not None
    assert (shown.edited, shown.reply_markup, shown.buttons) == (2, None, [])


@on_module_loop
async def test_edit_and_delete_missing_or_old_messages(
    server: FakeBotAPI, bot: Bot, clock: Clock
) -> None:
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=USER, message_id=9999)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER, 9999)

    user_message = server.push_message(USER, "моя заявка")["message"]["message_id"]
    reply = await bot.send_message(USER, "принято")
    assert await bot.delete_message(USER, user_message)  # bots may delete the user's messages
    assert await bot.delete_message(USER, reply.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER, reply.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="y", chat_id=USER, message_id=reply.message_id)
    assert [(m.from_bot, m.deleted) for m in server.chat_log(USER)] == [
        (False, True),
        (True, True),
    ]
    assert server.messages(USER) == [] and len(server.delivered(USER)) == 1

    old = await bot.send_message(USER, "старое")
    clock.offset = 49 * 3600
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text(text="новое", chat_id=USER, message_id=old.message_id)
    with pytest.raises(TelegramBadRequest, match="message can't be deleted for everyone"):
        await bot.delete_message(USER, old.message_id)


# --------------------------------------------------------------------------- callbacks


@on_module_loop
async def test_copy_text_buttons_hold_1_to_256_characters(server: FakeBotAPI, bot: Bot) -> None:
    """As Telegram: a copy button's text is 1-256 characters; tests read what it copies."""

    def copy(text: str) -> InlineKeyboardMarkup:
        return keyboard([InlineKeyboardButton(text="Copy", copy_text=CopyTextButton(text=text))])

    sent = await bot.send_message(USER, "ok", reply_markup=copy("я" * 256))
    last = server.last_message(USER)
    assert last is not None and last.message_id == sent.message_id
    (row,) = last.buttons
    assert (row[0].kind, row[0].copy_text) == ("copy_text", "я" * 256)
    for text in ("я" * 257, ""):
        with pytest.raises(TelegramBadRequest, match="copy_text text must be 1-256"):
            await bot.send_message(USER, "x", reply_markup=copy(text))


@on_module_loop
async def test_press_button_sends_a_callback_query(server: FakeBotAPI, bot: Bot) -> None:
    markup = keyboard(
        [button("Раздел", "faq:1")],
        [InlineKeyboardButton(text="Сайт", url="https://example.org")],
    )
    sent = await bot.send_message(USER, "Меню", reply_markup=markup)
    pushed = server.press_button(USER, sent.message_id, 0)
    (update,) = await bot.get_updates(offset=pushed["update_id"])
    query = update.callback_query
    assert query is not None and query.message is not None
    assert (query.data, query.from_user.id, query.message.message_id) == (
        "faq:1",
        USER,
        sent.message_id,
    )
    assert await bot.answer_callback_query(query.id, text="Открываю")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(ValueError, match="url"):
        server.press_button(USER, sent.message_id, 1)
    assert server.callback_answers[query.id]["text"] == "Открываю"


# --------------------------------------------------------------------------- faults


@on_module_loop
async def test_fail_next_maps_to_aiogram_exceptions(server: FakeBotAPI, bot: Bot) -> None:
    server.fail_next(1, retry_after=3, method="sendMessage")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(USER, "a")
    assert caught.value.retry_after == 3
    server.fail_next(1, status=502)
    with pytest.raises(TelegramServerError):
        await bot.send_message(USER, "b")
    await bot.send_message(USER, "c")
    assert [m.text for m in server.delivered(USER)] == ["c"]


@on_module_loop
async def test_blocked_chat_gets_403(server: FakeBotAPI, bot: Bot) -> None:
    server.block_chat(USER)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER, "alert")
    await bot.send_message(OTHER, "alert")
    server.unblock_chat(USER)
    await bot.send_message(USER, "alert")

    server.push_my_chat_member(USER, "kicked")  # the user blocks the bot in the app
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(USER, "alert")
    (update,) = await bot.get_updates()
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"


@on_module_loop
async def test_dropped_connection_after_delivery(server: FakeBotAPI, bot: Bot) -> None:
    server.drop_next(1, after_processing=True)
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(USER, "did it arrive?")
    assert [m.text for m in server.messages(USER)] == ["did it arrive?"]  # it did
    assert server.calls[-1].dropped


@on_module_loop
async def test_fault_rate_is_deterministic_and_means_not_delivered(
    server: FakeBotAPI, bot: Bot
) -> None:
    async def run() -> tuple[list[bool], list[str | None]]:
        server.reset()
        server.add_user(USER)
        server.set_fault_rate(0.3, seed=7)
        outcome = []
        for i in range(30):
            try:
                await bot.send_message(USER, f"m{i}")
                outcome.append(True)
            except TelegramServerError:
                outcome.append(False)
        return outcome, [m.text for m in server.delivered(USER)]

    first, delivered = await run()
    second, _ = await run()
    assert first == second
    assert 0 < first.count(False) < 30
    assert delivered == [f"m{i}" for i, ok in enumerate(first) if ok]


@on_module_loop
async def test_rate_limit_answers_429_above_the_rate(server: FakeBotAPI, bot: Bot) -> None:
    server.set_rate_limit(1, burst=5)  # five at once, then one a second
    refused = []
    for i in range(10):
        try:
            await bot.send_message(USER, f"m{i}")
        except TelegramRetryAfter as exc:
            refused.append(exc.retry_after)
    assert len(refused) in (4, 5)  # 5, or 4 if the loop took over a second
    assert all(r == 1 for r in refused)
    assert len(server.delivered(USER)) == 10 - len(refused)

    server.reset()
    server.add_user(USER)
    server.add_user(OTHER)
    server.set_rate_limit(None, per_chat_per_second=1)
    await bot.send_message(USER, "one")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(USER, "two")
    await bot.send_message(OTHER, "another chat is fine")


# --------------------------------------------------------------------------- other methods


@on_module_loop
async def test_forward_and_copy_are_recorded(server: FakeBotAPI, bot: Bot) -> None:
    pushed = server.push_message(USER, "секрет")["message"]["message_id"]
    await bot.forward_message(chat_id=OTHER, from_chat_id=USER, message_id=pushed)
    copied = await bot.copy_message(chat_id=OTHER, from_chat_id=USER, message_id=pushed)
    assert [c.method for c in server.calls] == ["forwardMessage", "copyMessage"]
    assert server.calls_for("forwardMessage")[0].params["from_chat_id"] == USER
    assert [m.method for m in server.messages(OTHER)] == ["forwardMessage", "copyMessage"]
    assert server.messages(OTHER)[1].message_id == copied.message_id

    protected = await bot.send_message(USER, "защищено", protect_content=True)
    with pytest.raises(TelegramBadRequest, match="protected content"):
        await bot.copy_message(chat_id=OTHER, from_chat_id=USER, message_id=protected.message_id)


@on_module_loop
async def test_commands_are_validated_and_stored_per_scope(server: FakeBotAPI, bot: Bot) -> None:
    everyone = [
        BotCommand(command="start", description="Меню"),
        BotCommand(command="sos", description="SOS"),
    ]
    await bot.set_my_commands(everyone, language_code="ru")
    admin_scope = BotCommandScopeChat(chat_id=USER)
    await bot.set_my_commands(
        [BotCommand(command="queue", description="Очередь")], scope=admin_scope
    )
    assert [c.command for c in await bot.get_my_commands(language_code="ru")] == ["start", "sos"]
    assert [c.command for c in await bot.get_my_commands(scope=admin_scope)] == ["queue"]
    assert await bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])


@on_module_loop
async def test_wait_for_times_out_with_a_summary(server: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(USER, "something")
    with pytest.raises(TimeoutError, match=r"recent calls:\n  #0 sendMessage 200"):
        await server.wait_for(lambda call: call.method == "sendPhoto", timeout=0.1)


# --------------------------------------------------------------------------- whole loops


@on_module_loop
async def test_dispatcher_polling_round_trip(server: FakeBotAPI) -> None:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(f"эхо: {message.text}")

    polling_bot = make_bot(server)
    polling = asyncio.create_task(
        dp.start_polling(polling_bot, handle_signals=False, polling_timeout=1)
    )
    try:
        server.push_message(USER, "привет")
        call = await server.wait_for(lambda c: c.method == "sendMessage" and c.ok, timeout=5)
        assert (call.params["chat_id"], call.params["text"]) == (USER, "эхо: привет")
        await server.wait_idle(quiet=0.1, timeout=5)
        assert server.pending_updates == 0  # confirmed by the offset of the next poll
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 5)


@on_module_loop
async def test_control_api_round_trip(server: FakeBotAPI, bot: Bot) -> None:
    async with DevServerClient(server.base_url) as dev:
        await dev.add_user(3003, first_name="Remote")
        pushed = await dev.push_message(3003, "через HTTP")
        (update,) = await bot.get_updates(offset=pushed["update_id"])
        assert update.message is not None and update.message.text == "через HTTP"

        await bot.send_message(3003, "ответ", reply_markup=keyboard([button("ok", "ok")]))
        (shown,) = await dev.messages(3003)
        assert (shown.text, shown.buttons[0][0].callback_data) == ("ответ", "ok")
        calls = await dev.calls()
        assert [c.method for c in calls][-1] == "sendMessage" and calls[-1].index == len(calls) - 1

        await dev.fail_next(1, retry_after=2)
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(3003, "x")
        await dev.block_chat(3003)
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(3003, "x")
        await dev.press_button(3003, shown.message_id, 0)
        assert (await dev.stats())["pending_updates"] == 2  # the message is unconfirmed still
        await dev.reset()
        assert server.calls == [] and (await dev.stats())["pending_updates"] == 0


@on_module_loop
async def test_standalone_process_prints_url_and_stops_on_sigterm() -> None:
    command = [sys.executable, "-m", "bot.devserver", "--port", "0"]
    repo_root = Path(__file__).resolve().parents[2]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, cwd=repo_root
    )
    assert process.stdout is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        assert line.startswith("devserver: http://127.0.0.1:")
        url = line.split()[1]
        async with DevServerClient(url) as dev:
            await dev.add_user(1)
            assert (await dev.stats())["calls"] == 0
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 10) == 0
