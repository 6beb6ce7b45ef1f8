"""Settings for one Helpline instance, read from the environment or a `.env` file.

Every setting of every feature lives in this one object; the README's configuration table lists
them. Secrets are `SecretStr` so that they never end up in a repr or a log line.
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

OFFICIAL_API_URL = "https://api.telegram.org"
# The ports the official Bot API delivers webhooks to (a self-hosted one in --local mode: any).
OFFICIAL_WEBHOOK_PORTS = frozenset({443, 80, 88, 8443})
HEALTH_PATH = "/healthz"
# What Telegram takes as a secret_token; shorter than 16 characters is guessable.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")
REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration of a Helpline instance."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    # A file holding the token (a systemd credential, a container secret): kept out of the
    # environment, which `ps e` and /proc show to the same user.
    bot_token_file: Path | None = None
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
    # host:port where Prometheus metrics (counts only) are served; unset: no metrics, no port.
    metrics_addr: str | None = None
    # The admins' daily heartbeat message at this hour, Moscow time; -1 (or empty) turns it off.
    heartbeat_hour: int = Field(default=9, ge=-1, le=23)
    # Webhook mode (`run --webhook`): where Telegram posts updates, and the secret it sends.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    # Whether updates that waited at Telegram while the bot was down are dropped at start.
    webhook_drop_pending: bool = False
    # Where the webhook's listener binds (a reverse proxy in front terminates TLS).
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(default=8080, ge=1, le=65535)
    # A second bot people can turn to after a takedown (its username, without '@'): alerts,
    # /sos and the region channels' posts name it.
    backup_bot: str | None = None

    @field_validator("bot_token", mode="before")
    @classmethod
    def _blank_token_is_unset(cls, value: object) -> object:
        """`BOT_TOKEN=` (or spaces) is "not set", as an empty DATA_DIR is: then BOT_TOKEN_FILE
        applies, and `run` says the token is missing rather than malformed."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

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

    @field_validator("metrics_addr")
    @classmethod
    def _metrics_addr(cls, value: str | None) -> str | None:
        """`127.0.0.1:9464` or `[::1]:9464`; empty is unset. The port must be given."""
        if value is None or not value.strip():
            return None
        metrics_endpoint(value.strip())  # raises ValueError with the reason
        return value.strip()

    @field_validator("heartbeat_hour", mode="before")
    @classmethod
    def _heartbeat_off(cls, value: object) -> object:
        """`HEARTBEAT_HOUR=` (empty) or `off` turn the heartbeat off, as -1 does."""
        if isinstance(value, str) and value.strip().lower() in ("", "off", "none"):
            return -1
        return value

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

    @model_validator(mode="after")
    def _token_from_file(self) -> Settings:
        """BOT_TOKEN_FILE fills BOT_TOKEN when that is unset (BOT_TOKEN wins, as KEY_PASSPHRASE
        wins over KEY_PASSPHRASE_FILE), so every caller keeps reading `bot_token`."""
        if self.bot_token is not None or self.bot_token_file is None:
            return self
        path = self.bot_token_file
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ValueError(f"BOT_TOKEN_FILE {path} cannot be read ({reason})") from None
        except UnicodeDecodeError:
            raise ValueError(f"BOT_TOKEN_FILE {path} is not a text file") from None
        if not text.strip():
            raise ValueError(f"BOT_TOKEN_FILE {path} is empty: put the token from @BotFather in it")
        self.bot_token = SecretStr(text.strip())
        return self

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: object) -> object:
        """An http(s) URL with a host; empty means unset."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if not text:
            return None
        try:
            parts = urlsplit(text)
            port_ok = parts.port is None or parts.port > 0
        except ValueError:
            port_ok = False
            parts = urlsplit("")
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or not port_ok
            or parts.fragment
            or any(c.isspace() for c in text)
        ):
            raise ValueError("is not a valid URL (e.g. https://bot.example.org/telegram)")
        if (parts.path or "/") == HEALTH_PATH:
            raise ValueError(f"must not end in {HEALTH_PATH}: that path answers health checks")
        return text

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _webhook_secret(cls, value: object) -> object:
        """Telegram's rule (A-Z, a-z, 0-9, _ and -, at most 256) and at least 16 characters.
        The value is never echoed: it is a secret."""
        if not isinstance(value, str):
            return value
        if not value:
            return None
        if not _WEBHOOK_SECRET.fullmatch(value):
            raise ValueError(
                "must be 16 to 256 characters of A-Z, a-z, 0-9, _ and - "
                "(`helpline-bot webhook-secret` prints one)"
            )
        return value

    @field_validator("listen_host")
    @classmethod
    def _listen_host(cls, value: str) -> str:
        host = value.strip()
        if not host or any(c.isspace() or c in "/[]" for c in host):
            raise ValueError("must be an address or host name to listen on, e.g. 127.0.0.1")
        return host

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

    @property
    def webhook_path(self) -> str:
        """The path the listener serves updates on: WEBHOOK_URL's own (a proxy passes it on)."""
        return urlsplit(self.webhook_url or "").path or "/"


def metrics_endpoint(addr: str) -> tuple[str, int]:
    """METRICS_ADDR as (host, port); ValueError saying what is wrong."""
    host, sep, port_text = addr.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]  # an IPv6 address in brackets
    if not sep or not host or any(c.isspace() or c in "/[]" for c in host):
        raise ValueError("must be host:port, e.g. 127.0.0.1:9464")
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ValueError("must end with a port from 1 to 65535, e.g. 127.0.0.1:9464")
    return host, int(port_text)


# A Telegram bot username: 5-32 characters, a letter first, "bot" at the end (any case).
BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{1,28}[Bb][Oo][Tt]")


class ConfigError(Exception):
    """A configuration mistake an operator must fix: shown as one line, exit code 2."""


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's multi-line report into one line per problem."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except UnicodeDecodeError:
        raise ConfigError(
            ".env is not UTF-8 text (saved as UTF-16 or another encoding?): save it as UTF-8"
        ) from None
    except OSError as exc:  # .env unreadable (its mode, a directory in its place)
        where = exc.filename or ".env"
        raise ConfigError(f"cannot read {where}: {exc.strerror or type(exc).__name__}") from None
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]).upper()
            message = err["msg"].removeprefix("Value error, ")
            # A check across fields (BOT_TOKEN_FILE) names its setting in the message itself.
            problems.append(f"{name}: {message}" if name else message)
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


def webhook_problem(settings: Settings) -> str | None:
    """What `run --webhook` refuses in the settings, or None (the port is `port_problem`)."""
    if settings.webhook_url is None:
        return "WEBHOOK_URL is not set: --webhook needs the public https:// URL Telegram posts to"
    if settings.webhook_secret is None:
        return (
            "WEBHOOK_SECRET is not set: --webhook needs it to refuse requests that are not "
            "from Telegram (`helpline-bot webhook-secret` prints one)"
        )
    parts = urlsplit(settings.webhook_url)
    if settings.uses_official_api:
        if parts.scheme != "https":
            return (
                "WEBHOOK_URL must be https:// with the official Bot API "
                "(plain http works only with a self-hosted telegram-bot-api in --local mode)"
            )
        port = parts.port or 443
        if port not in OFFICIAL_WEBHOOK_PORTS:
            return (
                f"WEBHOOK_URL port {port} is not one the official Bot API delivers to "
                "(443, 80, 88 or 8443)"
            )
    return None


def port_problem(host: str, port: int) -> str | None:
    """Why the webhook's listener cannot bind `host:port`, or None: tried, then let go."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        return f"LISTEN_HOST {host} cannot be resolved ({_reason(exc)})"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return listen_refusal(host, port, exc)
    return None


def listen_refusal(host: str, port: int, exc: OSError) -> str:
    """One line for a listener that could not bind (also when the real bind fails)."""
    import errno

    if exc.errno == errno.EADDRINUSE:
        return (
            f"LISTEN_PORT {port} on {host} is already in use (another bot, or another "
            "program): stop it or choose another LISTEN_PORT"
        )
    return f"cannot listen on {host}:{port} ({_reason(exc)}): check LISTEN_HOST and LISTEN_PORT"


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or type(exc).__name__


def require_data_dir(settings: Settings) -> None:
    """`run` and `migrate` refuse an unusable DATA_DIR in one line before touching anything."""
    problem = data_dir_problem(settings.data_dir)
    if problem is not None:
        raise ConfigError(problem)
