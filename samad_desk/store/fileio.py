"""Low-level file I/O for the store, behind one seam that tests can replace.

Every write the store makes goes through :data:`IO` (an :class:`FileIO`). Fault tests
swap it for a subclass that raises ``ENOSPC``/``EROFS``/``EIO`` or tears a write, so the
journal and cache code paths run exactly as in production up to the failing syscall.
"""

from __future__ import annotations

import errno
import os
import zlib
from pathlib import Path


class FileIO:
    """Thin wrapper over the syscalls the store uses for writing."""

    def open_append(self, path: str | os.PathLike) -> int:
        return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o660)

    def open_new(self, path: str | os.PathLike) -> int:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o660)

    def write(self, fd: int, data: bytes) -> int:
        return os.write(fd, data)

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def truncate(self, fd: int, size: int) -> None:
        os.ftruncate(fd, size)

    def replace(self, src: str | os.PathLike, dst: str | os.PathLike) -> None:
        os.replace(src, dst)

    def fsync_dir(self, path: str | os.PathLike) -> None:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def crash_point(self, name: str) -> None:
        """Named crash points (store-and-sync.md §4); no-op in production."""


IO: FileIO = FileIO()


def set_io(io: FileIO) -> FileIO:
    """Install another I/O implementation (tests); returns the previous one."""
    global IO
    old, IO = IO, io
    return old


def write_all(fd: int, data: bytes) -> None:
    while data:
        n = IO.write(fd, data)
        if n <= 0:  # pragma: no cover - defensive
            raise OSError(errno.EIO, "short write")
        data = data[n:]


def atomic_write(path: Path, data: bytes | list[bytes], *, fsync: bool = True) -> None:
    """Write ``data`` to ``path`` by temp file + fsync + rename + directory fsync.

    Readers see the old or the new file, never a torn one. On any error the temp file is
    removed and the old file is untouched.
    """
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    fd = IO.open_new(tmp)
    try:
        try:
            if isinstance(data, list):
                for chunk in data:
                    write_all(fd, chunk)
            else:
                write_all(fd, data)
            IO.crash_point("after_tmp_write")
            if fsync:
                IO.fsync(fd)
        finally:
            os.close(fd)
        IO.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    IO.crash_point("after_rename")
    if fsync:
        IO.fsync_dir(path.parent)


def remove_stale_temps(directory: Path) -> int:
    """Delete ``*.tmp-<pid>`` files whose writer is gone. Returns how many."""
    n = 0
    if not directory.is_dir():
        return 0
    for p in directory.iterdir():
        name = p.name
        i = name.rfind(".tmp-")
        if i < 0:
            continue
        try:
            pid = int(name[i + 5 :])
        except ValueError:
            continue
        if pid != os.getpid() and _pid_alive(pid):
            continue
        try:
            p.unlink()
            n += 1
        except OSError:
            pass
    return n


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- CRC lines: b"%08x <json>\n" --------------------------------------------------------


def crc_line(payload: bytes) -> bytes:
    return b"%08x " % (zlib.crc32(payload) & 0xFFFFFFFF) + payload + b"\n"


def parse_crc_line(line: bytes) -> bytes | None:
    """The payload of one line (without its newline), or None when the CRC fails."""
    if len(line) < 10 or line[8:9] != b" ":
        return None
    try:
        want = int(line[:8], 16)
    except ValueError:
        return None
    payload = line[9:]
    if zlib.crc32(payload) & 0xFFFFFFFF != want:
        return None
    return payload


# --- network file systems ---------------------------------------------------------------

NETWORK_FS = {"nfs", "nfs4", "cifs", "smb", "smb2", "smbfs", "smb3", "fuse.sshfs", "sshfs", "9p", "afs", "ceph", "glusterfs", "fuse.glusterfs"}


MOUNTS_FILE = "/proc/mounts"


def filesystem_type(path: Path, mounts_file: str | None = None) -> str | None:
    """The file-system type of the mount holding ``path`` (Linux), or None if unknown."""
    mounts_file = mounts_file or MOUNTS_FILE
    try:
        target = os.path.realpath(path)
        best, fstype = "", None
        with open(mounts_file, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) < 3:
                    continue
                mnt = parts[1].replace("\\040", " ")
                if (target == mnt or target.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
                    best, fstype = mnt, parts[2]
        return fstype
    except OSError:
        return None


def is_network_fs(path: Path, mounts_file: str | None = None) -> str | None:
    """The network file-system type when ``path`` is on one, else None."""
    fstype = filesystem_type(path, mounts_file)
    if fstype and (fstype in NETWORK_FS or fstype.split(".")[-1] in NETWORK_FS):
        return fstype
    return None
