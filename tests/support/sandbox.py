"""Run a command under the seccomp rules of deploy/helpline-bot.service, as systemd 252 (Debian
12) would install them, so that a test shows the bot works inside the unit without a systemd
to start it under.

    python -m tests.support.sandbox [--allow @group]... [--deny @group]... -- CMD [ARGS...]

installs one seccomp filter and execs CMD; the filter stays for CMD and its children:
- always, `MemoryDenyWriteExecute=yes`: like systemd's, it refuses (EPERM) an mmap asking for
  memory both writable and executable, an mprotect or pkey_mprotect adding execute permission,
  and a shmat with SHM_EXEC;
- with `--allow`, `SystemCallFilter=` and `SystemCallErrorNumber=EPERM`: only the system calls
  of the allowed groups, minus those of the denied ones, and nothing of another ABI
  (`SystemCallArchitectures=native`). The groups are expanded by `systemd-analyze
  syscall-filter`, so they are the ones this systemd would use.

x86-64 Linux only (`supported()`); the syscall list needs the kernel headers' unistd_64.h.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
AUDIT_ARCH_X86_64 = 0xC000003E
NR_MMAP, NR_MPROTECT, NR_SHMAT, NR_PKEY_MPROTECT = 9, 10, 30, 329
PROT_WRITE, PROT_EXEC = 0x2, 0x4
SHM_EXEC = 0o100000
RET_ALLOW = 0x7FFF0000
RET_EPERM = 0x00050000 | 1  # SECCOMP_RET_ERRNO | EPERM
# struct seccomp_data: nr (u32) at 0, arch (u32) at 4, ip (u64) at 8, args[6] (u64) from 16;
# the low 32 bits of args[2] (prot; shmflg) sit at 32 on little-endian x86-64.
OFF_NR, OFF_ARCH, OFF_ARG2 = 0, 4, 32
LD_ABS, JEQ, AND, RET = 0x20, 0x15, 0x54, 0x06
UNISTD = Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")
MAX_INSTRUCTIONS = 4096  # BPF_MAXINSNS

# (label, code, jump-if-true label, jump-if-false label, k); "" is the next instruction.
Labelled = tuple[str, int, str, str, int]


def supported() -> bool:
    return sys.platform == "linux" and platform.machine() == "x86_64"


def syscall_lists_supported() -> bool:
    return supported() and UNISTD.exists() and shutil.which("systemd-analyze") is not None


def syscall_numbers() -> dict[str, int]:
    text = UNISTD.read_text(encoding="utf-8")
    return {m[1]: int(m[2]) for m in re.finditer(r"#define __NR_(\w+)\s+(\d+)", text)}


def expand(group: str, seen: set[str] | None = None) -> set[str]:
    """The system call names of a `@group` (nested groups expanded), or the name itself."""
    if not group.startswith("@"):
        return {group}
    seen = seen if seen is not None else set()
    if group in seen:
        return set()
    seen.add(group)
    out = subprocess.run(
        ["systemd-analyze", "syscall-filter", group], capture_output=True, text=True, check=True
    ).stdout
    names: set[str] = set()
    for line in out.splitlines()[1:]:
        word = line.strip()
        if word and not word.startswith("#"):
            names |= expand(word, seen)
    return names


def allowed_numbers(allow: list[str], deny: list[str]) -> list[int]:
    table = syscall_numbers()
    names = set().union(*(expand(g) for g in allow)) - set().union(*(expand(g) for g in deny))
    return sorted(table[name] for name in names if name in table)


def _memory_rules() -> list[Labelled]:
    """MemoryDenyWriteExecute=: checked before the allow-list, which has these calls too."""
    return [
        ("", JEQ, "mmap", "", NR_MMAP),
        ("", JEQ, "mprotect", "", NR_MPROTECT),
        ("", JEQ, "mprotect", "", NR_PKEY_MPROTECT),
        ("", JEQ, "shmat", "list", NR_SHMAT),
        ("mmap", LD_ABS, "", "", OFF_ARG2),
        ("", AND, "", "", PROT_WRITE | PROT_EXEC),
        ("", JEQ, "refuse", "list", PROT_WRITE | PROT_EXEC),
        ("mprotect", LD_ABS, "", "", OFF_ARG2),
        ("", AND, "", "", PROT_EXEC),
        ("", JEQ, "refuse", "list", PROT_EXEC),
        ("shmat", LD_ABS, "", "", OFF_ARG2),
        ("", AND, "", "", SHM_EXEC),
        ("", JEQ, "refuse", "list", SHM_EXEC),
        ("refuse", RET, "", "", RET_EPERM),
    ]


def _program(allowed: list[int] | None) -> list[tuple[int, int, int, int]]:
    """The filter; jumps name labels and become the offsets BPF counts from the next
    instruction. A jump reaches 255 instructions at most, so each refusal is next to its test
    and each allowed call is `JEQ nr; RET ALLOW`."""
    labelled: list[Labelled] = [
        ("", LD_ABS, "", "", OFF_ARCH),
        ("", JEQ, "skip", "", AUDIT_ARCH_X86_64),  # SystemCallArchitectures=native
        ("", RET, "", "", RET_EPERM),
        ("", LD_ABS, "", "", OFF_NR),
        *_memory_rules(),
        ("list", LD_ABS, "", "", OFF_NR),  # again: the memory rules loaded an argument
    ]
    if allowed is None:
        labelled.append(("", RET, "", "", RET_ALLOW))
    else:
        for number in allowed:
            labelled += [("", JEQ, "", "skip", number), ("", RET, "", "", RET_ALLOW)]
    labelled.append(("deny", RET, "", "", RET_EPERM))
    where = {label: i for i, (label, *_) in enumerate(labelled) if label}

    def offset(i: int, target: str) -> int:
        if not target:
            return 0
        if target == "skip":
            return 1
        return where[target] - i - 1

    program = [
        (code, offset(i, jt), offset(i, jf), k) for i, (_, code, jt, jf, k) in enumerate(labelled)
    ]
    assert len(program) <= MAX_INSTRUCTIONS
    assert all(0 <= jt < 256 and 0 <= jf < 256 for _, jt, jf, _ in program)
    return program


def install(allowed: list[int] | None = None) -> None:
    """Install the filter in this process (inherited across fork and exec)."""
    code = b"".join(struct.pack("=HBBI", *ins) for ins in _program(allowed))
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(code)

    class SockFprog(ctypes.Structure):
        _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))

    prog = SockFprog(len(code) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.support.sandbox")
    parser.add_argument("--allow", action="append", default=[])
    parser.add_argument("--deny", action="append", default=[])
    parser.add_argument("command", nargs="+")
    args = parser.parse_args(argv)
    install(allowed_numbers(args.allow, args.deny) if args.allow else None)
    os.execvp(args.command[0], args.command)


if __name__ == "__main__":
    main(sys.argv[1:])
