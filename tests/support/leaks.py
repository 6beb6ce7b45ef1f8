"""Scanning files and logs for identities and texts that must never be stored or logged.

Integers are searched in every encoding SQLite may use (big-endian 1–8 bytes) as well as in
decimal, because a decimal-only grep misses an id stored as an INTEGER.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def needles(texts: Iterable[str] = (), ids: Iterable[int] = ()) -> dict[bytes, str]:
    """Byte patterns to look for, each mapped to a readable description."""
    found: dict[bytes, str] = {}
    for text in texts:
        found[text.encode("utf-8")] = f"text {text!r}"
        found[text.encode("utf-16-le")] = f"text {text!r} (utf-16)"
    for value in ids:
        found[str(value).encode()] = f"id {value} (decimal)"
        for size in (3, 4, 6, 8):
            try:
                found[value.to_bytes(size, "big", signed=True)] = f"id {value} ({size}-byte int)"
            except OverflowError:
                continue
        found[value.to_bytes(8, "little", signed=True)] = f"id {value} (8-byte little-endian)"
    return found


def scan_bytes(data: bytes, patterns: dict[bytes, str]) -> list[str]:
    return [label for pattern, label in patterns.items() if pattern in data]


def scan_dir(root: Path, patterns: dict[bytes, str]) -> list[str]:
    """Every (file, pattern) hit under `root`, e.g. the database, its -wal and -shm, key files."""
    hits = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            for label in scan_bytes(path.read_bytes(), patterns):
                hits.append(f"{path.relative_to(root)}: {label}")
    return hits
