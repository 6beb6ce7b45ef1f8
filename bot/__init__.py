"""Helpline: an anonymous Telegram helpline bot for people facing conscription."""

__version__ = "0.1.0"
