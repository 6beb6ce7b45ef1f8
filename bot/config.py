"""Settings for one Helpline instance, read from the environment or a `.env` file.

Every setting of every feature lives in this one object; the README's configuration table lists
them. Secrets are `SecretStr` so that they never end up in a repr or a log line.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

OFFICIAL_API_URL = "https://api.telegram.org"
REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration of a Helpline instance."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    bot_api_url: str = OFFICIAL_API_URL
    data_dir: Path = Path("./data")
    keys_dir: Path | None = None
    content_dir: Path = REPO_ROOT / "content"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    moderator_chat_id: int | None = None
    default_language: Literal["ru", "en"] = "ru"
    log_level: str = "INFO"
    key_passphrase: SecretStr | None = None
    key_passphrase_file: Path | None = None
    # The alert signing key's fingerprint, set outside DATA_DIR: a keyring with another is refused.
    signing_key_fingerprint: str | None = None
    content_review_days: int = Field(default=180, ge=1)
    reports_per_hour: int = Field(default=5, ge=1)
    # One reporter's reports in one region's two-hour group: one account cannot bury a region.
    reports_per_group_per_person: int = Field(default=3, ge=1)
    # Reports the whole instance takes in any hour (bounds the disk); then "busy, try later".
    reports_per_hour_total: int = Field(default=500, ge=1)
    # Free-text messages and inline queries one person may send a minute (search costs CPU).
    queries_per_minute: int = Field(default=20, ge=1)
    # Hard caps on what strangers can grow in memory (see README: what happens at each cap).
    max_drafts: int = Field(default=50_000, ge=1)
    max_rate_entries: int = Field(default=200_000, ge=1)
    max_language_choices: int = Field(default=100_000, ge=1)
    max_cleanup_lists: int = Field(default=50_000, ge=1)
    report_retention_days: int = Field(default=14, ge=1)
    # A report goes this many days after a moderator's decision (the line above is the cap).
    report_decided_retention_days: int = Field(default=3, ge=1)
    alert_approvals: int = Field(default=2, ge=1)
    alert_ttl_hours: int = Field(default=6, ge=1)
    alert_retention_days: int = Field(default=30, ge=1)
    # Any other moderator may undo a withdrawal this long afterwards.
    withdraw_undo_minutes: float = Field(default=5, gt=0, le=24 * 60)
    # Audit log entries older than this are deleted; an authenticated anchor keeps the chain.
    audit_retention_days: int = Field(default=90, ge=1, le=36500)
    broadcast_rate: float = Field(default=25.0, gt=0, le=30)
    # Region code -> Telegram channel id where approved alerts for that region are also posted.
    region_channels: Annotated[dict[str, int], NoDecode] = Field(default_factory=dict)
    # The review key is replaced after this many days (unattended mode; hardened mode is told).
    key_rotation_days: int = Field(default=30, ge=1)
    # Decrypted reports shown to a moderator are deleted from their chat after this long.
    report_view_minutes: int = Field(default=30, ge=1)
    # A form or questionnaire left untouched this long is forgotten.
    draft_idle_minutes: float = Field(default=30, gt=0)
    # How many updates are handled at once; beyond that polling waits (back-pressure).
    max_concurrent_updates: int = Field(default=256, ge=1)
    # How long shutdown waits for handlers that are still running.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    # A second bot people can turn to after a takedown (its username, without '@'): alerts,
    # /sos and the region channels' posts name it.
    backup_bot: str | None = None

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        """Accept `1,2,3` (the README's form) as well as a JSON list."""
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("must be comma-separated numeric Telegram user ids") from None
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("admin_ids")
    @classmethod
    def _people_only(cls, value: frozenset[int]) -> frozenset[int]:
        # A negative id is a group or channel: it cannot press a button, and would get admin text.
        groups = sorted(i for i in value if i <= 0)
        if groups:
            raise ValueError(
                f"user ids are positive; {', '.join(map(str, groups))} is a group or channel id"
            )
        return value

    @field_validator("data_dir", mode="before")
    @classmethod
    def _data_dir_set(cls, value: object) -> object:
        """`DATA_DIR=` would be the current directory, which start-up would make 0700."""
        if isinstance(value, str) and not value.strip():
            raise ValueError("is empty: set it to a directory for the bot's data, e.g. ./data")
        return value

    @field_validator("region_channels", mode="before")
    @classmethod
    def _parse_channels(cls, value: object) -> object:
        """`moscow=-1001234567890,spb=-1009876543210` (the README's form) or a JSON object."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("{"):
            import json

            try:
                return json.loads(text)
            except ValueError:
                raise ValueError("must be region=channel_id pairs or a JSON object") from None
        channels: dict[str, int] = {}
        for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
            region, _, channel = part.partition("=")
            try:
                channels[region.strip()] = int(channel.strip())
            except ValueError:
                raise ValueError(
                    "must be region=channel_id pairs, e.g. moscow=-1001234567890"
                ) from None
        return channels

    @field_validator("region_channels")
    @classmethod
    def _channels_only(cls, value: dict[str, int]) -> dict[str, int]:
        # A positive id is a person's chat: it would be stored in clear and spammed with alerts.
        people = sorted(region for region, chat in value.items() if chat >= 0)
        if people:
            raise ValueError(
                f"channel ids are negative (-100...); not a channel for {', '.join(people)}"
            )
        return value

    @field_validator("signing_key_fingerprint")
    @classmethod
    def _fingerprint(cls, value: str | None) -> str | None:
        """As `keys status` prints it (`1a2b 3c4d ...`), or with colons, dashes, no spaces, any
        case; kept as 32 lowercase hex digits."""
        if value is None:
            return None
        compact = "".join(c for c in value if c not in " \t:-").lower()
        if not compact:
            return None
        if len(compact) != 32 or any(c not in "0123456789abcdef" for c in compact):
            raise ValueError(
                "must be the 32 hex digits of the fingerprint `helpline-bot keys status` prints"
            )
        return compact

    @field_validator("bot_api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        # A malformed URL would otherwise look like a network outage and be retried forever.
        try:
            parts = urlsplit(value)
            port_ok = parts.port is None or parts.port > 0
        except ValueError:
            port_ok = False
        if not parts.hostname or not port_ok or any(c.isspace() for c in value):
            raise ValueError("is not a valid URL (e.g. https://api.telegram.org)")
        return value.rstrip("/")

    @field_validator("backup_bot", mode="before")
    @classmethod
    def _backup_bot(cls, value: object) -> object:
        """A bot's username (`@name_bot` or `name_bot`): 5-32 letters, digits or underscores,
        starting with a letter and ending in "bot", as Telegram requires; kept without '@'."""
        if not isinstance(value, str):
            return value
        name = value.strip().removeprefix("@")
        if not name:
            return None
        if not BOT_USERNAME.fullmatch(name):
            raise ValueError(
                "must be a bot's username such as @helpline_backup_bot (5-32 letters, digits "
                "or _, starting with a letter, ending in bot)"
            )
        return name

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @property
    def database_path(self) -> Path:
        return self.data_dir / "helpline.sqlite3"

    @property
    def keyring_dir(self) -> Path:
        return self.keys_dir if self.keys_dir is not None else self.data_dir / "keys"

    @property
    def uses_official_api(self) -> bool:
        return self.bot_api_url == OFFICIAL_API_URL


# A Telegram bot username: 5-32 characters, a letter first, "bot" at the end (any case).
BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{1,28}[Bb][Oo][Tt]")


class ConfigError(Exception):
    """A configuration mistake an operator must fix: shown as one line, exit code 2."""


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's multi-line report into one line per problem."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]).upper() or "settings"
            message = err["msg"].removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise ConfigError("; ".join(problems)) from None


def _shape_problem(path: Path, name: str) -> str | None:
    """A file where the directory, or one of its parents, should be."""
    if path.exists() and not path.is_dir():
        return f"{name} {path} is a file, not a directory"
    if path.is_dir():
        return None
    parent = path.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        return f"{name} {path} cannot be created: {parent} is a file"
    return None


def data_dir_problem(data_dir: Path) -> str | None:
    """Why DATA_DIR cannot hold the data, or None. Tries a write (a probe that is removed at
    once) rather than trusting permission bits, which say nothing for root or a read-only mount;
    a missing DATA_DIR is not created."""
    shape = _shape_problem(data_dir, "DATA_DIR")
    if shape is not None:
        return shape
    if data_dir.is_dir():
        try:
            with tempfile.TemporaryFile(dir=data_dir):
                pass
        except OSError as exc:
            return f"DATA_DIR {data_dir} is not writable ({exc.strerror or type(exc).__name__})"
        return None
    parent = data_dir.absolute().parent
    while not parent.exists():
        parent = parent.parent
    try:
        os.rmdir(tempfile.mkdtemp(dir=parent, prefix=".helpline-probe-"))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return f"DATA_DIR {data_dir} cannot be created in {parent} ({reason})"
    return None


def keys_dir_problem(settings: Settings) -> str | None:
    """A keyring directory that is a file, or under one, is a mistake, not a destroyed keyring
    (its tombstone cannot be read either). Writability is not asked: hardened setups may mount
    KEYS_DIR read-only."""
    if settings.keys_dir is not None:
        return _shape_problem(settings.keys_dir, "KEYS_DIR")
    return _shape_problem(settings.data_dir, "DATA_DIR") or _shape_problem(
        settings.keyring_dir, "DATA_DIR/keys"
    )


def require_data_dir(settings: Settings) -> None:
    """`run` and `migrate` refuse an unusable DATA_DIR in one line before touching anything."""
    problem = data_dir_problem(settings.data_dir)
    if problem is not None:
        raise ConfigError(problem)
