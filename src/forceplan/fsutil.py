"""Writing files whole or not at all."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file that is fsynced and renamed into place, then fsync the
    folder: a crash leaves the old file or the new one, never half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------------- reading, safely

MAX_YAML_BYTES = 4 * 1024 * 1024
MAX_CSV_BYTES = 64 * 1024 * 1024
MAX_GEOJSON_BYTES = 64 * 1024 * 1024
MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_INCIDENT_BYTES = 512 * 1024 * 1024
MAX_CSV_ROWS = 2_000_000
MAX_CSV_CELL_CHARS = 100_000
MAX_NESTING = 64
MAX_GEOJSON_VERTICES = 2_000_000
"""Input limits, documented in docs/scenario.md ("Limits"): generous for real data, small enough that every loader
finishes in seconds and well under 1 GB on any input up to them."""


class InputFileError(ValueError):
    """A file that cannot be read as the input it should be; the message names the file and what to do."""


def read_bytes_checked(path: Path, max_bytes: int, what: str = "file") -> bytes:
    """A regular file's bytes, refusing folders, devices, FIFOs and files over ``max_bytes``."""
    import stat

    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputFileError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise InputFileError(f"{path}: {what} cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputFileError(f"{path}: is a folder, not a {what}")
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError(f"{path}: is not a regular file (a device, pipe or socket); give a {what}")
    if st.st_size > max_bytes:
        raise InputFileError(
            f"{path}: {st.st_size:,} bytes, over the {max_bytes:,}-byte limit for a {what}; split or trim it"
        )
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise InputFileError(f"{path}: {what} cannot be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise InputFileError(f"{path}: over the {max_bytes:,}-byte limit for a {what}")
    return data


def read_text_checked(path: Path, max_bytes: int, what: str = "file") -> str:
    """A regular file as UTF-8 text (a BOM is dropped); anything else gets a message that says what to do."""
    data = read_bytes_checked(path, max_bytes, what)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError(f"{path}: is UTF-16 text; save it as UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 (a binary file is not a valid input)"
        ) from None
    if "\x00" in text:
        raise InputFileError(f"{path}: contains NUL bytes: a binary file, not a {what}")
    return text


def loads_json_checked(text: str, path: Path | str, what: str = "JSON file") -> object:
    """``json.loads`` with located messages, no NaN/Infinity, and deep nesting refused (the parser's recursion
    limit, caught)."""
    import json

    def no_constant(name: str) -> object:
        raise ValueError(f"{name} is not a number JSON allows")

    try:
        return json.loads(text, parse_constant=no_constant)
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputFileError(f"{path}: nested too deeply to be a valid {what}") from None
    except ValueError as exc:
        raise InputFileError(f"{path}: not a valid {what} ({exc})") from None


def resolve_inside(ref: str, base_dir: Path, data_root: Path, data_prefix: str = "data:") -> Path:
    """Resolve a side-file reference so that it cannot leave its folder.

    ``data:REL`` resolves under forceplan's data folder, anything else under ``base_dir`` (the scenario's folder).
    Absolute paths, ``..`` escapes and symbolic links that lead outside are refused (``InputFileError`` naming the
    reference, never the content of what it points to)."""
    if "\x00" in ref:
        raise InputFileError(f"side-file reference {ref!r} contains a NUL byte")
    if ref.startswith(data_prefix):
        rel, root = ref[len(data_prefix) :], data_root
        where = "forceplan's data folder"
    else:
        rel, root = ref, base_dir
        where = "the scenario's folder"
    p = Path(rel)
    if p.is_absolute() or rel.startswith("~"):
        raise InputFileError(
            f"side-file reference {ref!r} is an absolute path: give a path relative to the scenario file "
            f"(copy the file next to it)"
        )
    root_r = Path(os.path.realpath(root))
    target = Path(os.path.realpath(root_r / p))
    if target != root_r and root_r not in target.parents:
        raise InputFileError(
            f"side-file reference {ref!r} leads outside {where} (through '..' or a symbolic link); "
            "copy the file into the scenario's folder and refer to it there"
        )
    return target


def check_output_folder(target: Path, force: bool = False, ours: frozenset[str] = frozenset()) -> None:
    """Raise ``InputFileError`` unless ``target`` is new, empty, an earlier run's output, or ``force`` is given; and
    unless its parent folder can be written."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise InputFileError(f"{target}: exists and is not a folder; give a folder for the output")
    if target.is_dir() and not force:
        foreign = sorted(p.name for p in target.iterdir() if p.name not in ours)
        if foreign:
            more = ", ..." if len(foreign) > 3 else ""
            raise InputFileError(
                f"{target}: exists and holds other files ({', '.join(foreign[:3])}{more}); "
                "choose an empty or new folder, or --force to replace it"
            )
    parent = target.absolute().parent
    probe = parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputFileError(f"{target}: cannot write in {probe}; choose a folder you may write to")


def _swap_in(tmp: Path, target: Path, old: Path) -> None:
    """Rename ``tmp`` to ``target``, moving an existing ``target`` aside first. Two runs finishing together into
    the same folder race here: a rename onto a non-empty folder fails, so each retries until its own folder is
    in place (the last to finish wins whole; nothing is mixed)."""
    import errno
    import shutil

    for _ in range(100):
        try:
            tmp.rename(target)
            return
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
        try:
            target.rename(old)
        except FileNotFoundError:
            continue  # the other run moved it aside first
        shutil.rmtree(old, ignore_errors=True)
    raise InputFileError(f"{target}: another run keeps replacing this folder; use a different --out")


@contextmanager
def output_folder(target: Path, force: bool = False, ours: frozenset[str] = frozenset()) -> Iterator[Path]:
    """Write a run's files into a fresh temporary folder beside ``target`` and rename it into place at the end, so
    ``target`` never mixes two runs and an interrupted run leaves nothing behind.

    An existing non-empty ``target`` is replaced only if it holds nothing but files named in ``ours`` (an earlier
    run's output) or with ``force``; otherwise ``InputFileError``. The check and the temporary folder come first,
    so an unwritable place fails before any work is done."""
    import shutil
    import tempfile

    target = Path(target)
    check_output_folder(target, force, ours)
    parent = target.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=parent))
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the output folder gets the usual permissions
    except OSError as exc:
        raise InputFileError(f"{target}: cannot write there ({exc.strerror or exc})") from None
    try:
        yield tmp
        _swap_in(tmp, target, tmp.with_name(tmp.name + ".old"))  # unique, as tmp is
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
