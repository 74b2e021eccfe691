"""The cache's two pickle files (state.pickle, search.pickle): a checksummed stream, manifests as columns.

`version` is briefgen's code digest: a file written by another briefgen is
never read, as its layout may differ.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from briefgen.fingerprint import new_digest
from briefgen.incremental.pickling import dump, load
from briefgen.site_files import open_regular

_MAGIC = b"briefgen-cache-3\n"


def columns(records: dict[str, tuple]) -> tuple[list, ...]:
    """A dict of records (a manifest: a record per output file) as its keys and one list per field.

    Lists of strs and ints pickle and unpickle in C; a NamedTuple each is a
    Python call both ways, and a large site's manifests hold tens of thousands.
    """
    return (list(records), *map(list, zip(*records.values()))) if records else ([],)


def from_columns(columns: tuple[list, ...], record: type) -> dict:
    """The dict _columns was made from; each record made by tuple.__new__, in C (not the NamedTuple's __new__)."""
    keys, *fields = columns
    return dict(zip(keys, map(functools.partial(tuple.__new__, record), zip(*fields))))


def read_blob(path: Path, version: str) -> dict | None:
    """A pickled dict written by write_blob, or None if missing, damaged or written by another `version`.

    Read as a stream, twice (the checksum, then the objects), never as one bytes
    object: the file may be 100+ MB, which would be held beside its objects.
    A pipe or a link to a device there is damage too (open_regular), never a hang.
    """
    try:
        with open_regular(path) as file:
            if file.read(len(_MAGIC)) != _MAGIC:
                return None
            checksum = file.read(32)
            digest = new_digest()
            while chunk := file.read(1 << 20):
                digest.update(chunk)
            if digest.hexdigest().encode() != checksum:
                return None
            file.seek(len(_MAGIC) + 32)
            state = load(file)
    except Exception:  # noqa: BLE001 - any damage means a cold build, never a crash
        return None
    if not isinstance(state, dict) or state.get("version") != version:
        return None  # written by another briefgen: its layout may differ
    return state


class _Checksummed:
    """A file that pickle writes to while the checksum of what it writes is taken."""

    def __init__(self, file):
        self.file = file
        self.digest = new_digest()

    def write(self, data) -> int:
        self.digest.update(data)
        return self.file.write(data)


def write_blob(path: Path, version: str, state: dict) -> None:
    """Pickled as a stream (no 100+ MB bytes object beside the objects), its checksum written before it."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as file:
        file.write(_MAGIC)
        file.write(b"0" * 32)  # the checksum's place, filled in once the payload is written
        payload = _Checksummed(file)
        dump({**state, "version": version}, payload)
        file.seek(len(_MAGIC))
        file.write(payload.digest.hexdigest().encode())
    os.replace(tmp, path)
