"""Run a command under the rule systemd's `MemoryDenyWriteExecute=yes` enforces (systemd 252,
as on Debian 12: a seccomp filter), so that a test can show the bot works inside the unit.

`python -m tests.support.mdwe CMD ARGS...` installs the filter and execs CMD; the filter stays
for CMD and its children. Like systemd's, it refuses (EPERM) an mmap that asks for memory both
writable and executable, an mprotect or pkey_mprotect that adds execute permission, and a shmat
with SHM_EXEC. x86-64 Linux only (`supported()`).
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct
import sys

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


def supported() -> bool:
    return sys.platform == "linux" and platform.machine() == "x86_64"


def _program() -> list[tuple[int, int, int, int]]:
    """The filter as (code, jump if true, jump if false, k); jumps name labels here and are
    turned into the offsets BPF counts from the next instruction."""
    labelled: list[tuple[str, int, str, str, int]] = [
        ("", LD_ABS, "", "", OFF_ARCH),
        ("", JEQ, "", "deny", AUDIT_ARCH_X86_64),  # a foreign ABI: SystemCallArchitectures=native
        ("", LD_ABS, "", "", OFF_NR),
        ("", JEQ, "mmap", "", NR_MMAP),
        ("", JEQ, "mprotect", "", NR_MPROTECT),
        ("", JEQ, "mprotect", "", NR_PKEY_MPROTECT),
        ("", JEQ, "shmat", "allow", NR_SHMAT),
        ("mmap", LD_ABS, "", "", OFF_ARG2),
        ("", AND, "", "", PROT_WRITE | PROT_EXEC),
        ("", JEQ, "deny", "allow", PROT_WRITE | PROT_EXEC),
        ("mprotect", LD_ABS, "", "", OFF_ARG2),
        ("", AND, "", "", PROT_EXEC),
        ("", JEQ, "deny", "allow", PROT_EXEC),
        ("shmat", LD_ABS, "", "", OFF_ARG2),
        ("", AND, "", "", SHM_EXEC),
        ("", JEQ, "deny", "allow", SHM_EXEC),
        ("allow", RET, "", "", RET_ALLOW),
        ("deny", RET, "", "", RET_EPERM),
    ]
    where = {label: i for i, (label, *_) in enumerate(labelled) if label}

    def offset(i: int, target: str) -> int:
        return where[target] - i - 1 if target else 0

    return [
        (code, offset(i, jt), offset(i, jf), k) for i, (_, code, jt, jf, k) in enumerate(labelled)
    ]


def install() -> None:
    """Install the filter in this process (inherited across fork and exec)."""
    code = _assemble()
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(code)

    class SockFprog(ctypes.Structure):
        _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))

    prog = SockFprog(len(code) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")


def _assemble() -> bytes:
    return b"".join(struct.pack("=HBBI", *ins) for ins in _program())


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit("usage: python -m tests.support.mdwe CMD [ARGS...]")
    install()
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
