"""Telegram adapters: the code in bot/ that talks to the Bot API or lives inside aiogram.

The broadcaster and its courier, pacing and progress; notices and command menus; the memory-only
draft storage aiogram's FSM uses; the message janitor; the in-flight counter the shutdown drain
waits on; and the session that validates updates one by one. Domain services (bot/services) do
not import aiogram; a unit test keeps it that way.
"""
