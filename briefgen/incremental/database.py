"""The CLI's cache database: a row per content file (its parse, its rendered body) and memos by key.

A large site's cache is 100+ MB, and a build that changes one briefing needs
a few rows of it. SQLite (in the standard library) reads and rewrites those
rows alone, where one pickle of everything costs seconds each way at 10,000
briefings. A row's small part (digests, keys) is read when the database is
opened, its large part (the document, the HTML) only when asked for.

Every row and memo carries a checksum, checked when it is read. A database
that does not open or a row that fails its checksum raises CacheDamaged: the
build then starts again without the cache (see folder_build). Rows are
only ever used when their keys (content digests) match, so a row from an
older build is never wrong, only unused.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import stat
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from briefgen.fingerprint import digest_bytes, new_digest
from briefgen.incremental.memory import paused_collector
from briefgen.incremental.pickling import dump, dumps, fast_reducers, load

DATABASE = "cache.sqlite"

# A row's large part (tail) comes last: the heads of every row are read on each build, and SQLite
# reaches a column after a large one only by following that one's overflow pages.
_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rows (kind TEXT NOT NULL, rel TEXT NOT NULL, head_sum TEXT NOT NULL, tail_sum TEXT NOT NULL,
                   head BLOB NOT NULL, tail BLOB NOT NULL, PRIMARY KEY (kind, rel));
CREATE TABLE memos (name TEXT PRIMARY KEY, key TEXT NOT NULL, data BLOB NOT NULL, data_sum TEXT NOT NULL);
"""


class CacheDamaged(Exception):
    """Part of the cache could not be read back as it was written."""


class RowStore:
    """Entries by content path, each a small head and a large part: in memory, or left in the cache database
    until asked for.

    The head (a typed record of digests and keys: DocumentHead, BodyHead) is
    what a build compares; the large part (a parsed document, a rendered body)
    is what it uses. The heads of every row are at hand; a large part is read
    the first time it is asked for. Paths may be given as PurePosixPath or str.
    """

    def __init__(self, heads: dict[str, Any] | None = None, read_tail: Callable[[str], Any] | None = None,
                 search: Callable[[list[str]], set[str]] | None = None):
        self._heads = heads or {}  # every row's
        self._tails: dict[str, Any] = {}  # those made or read by this process
        self._read_tail = read_tail
        self._search = search  # the rows whose stored large part has one of some texts
        self.dirty: set[str] = set()  # entries to write
        self.reheaded: set[str] = set()  # entries whose head alone is to be written
        self.removed: set[str] = set()  # rows to delete
        self.cleared = False  # every row is to go

    def head(self, rel) -> Any:
        """The entry's head, or None when there is no entry."""
        return self._heads.get(str(rel))

    def tail(self, rel) -> Any:
        """The entry's large part (KeyError when there is no entry)."""
        rel = str(rel)
        if rel not in self._heads:
            raise KeyError(rel)
        if rel not in self._tails:
            self._tails[rel] = self._read_tail(rel)
        return self._tails[rel]

    def parts(self, rel) -> tuple[Any, Any]:
        """(head, large part) of an entry made by this process."""
        rel = str(rel)
        return self._heads[rel], self._tails[rel]

    def put(self, rel, head, tail) -> None:
        rel = str(rel)
        self._heads[rel], self._tails[rel] = head, tail
        self.dirty.add(rel)
        self.removed.discard(rel)

    def replace_head(self, rel, head) -> None:
        """A new head for an entry whose large part stays as it is: only the head is written."""
        rel = str(rel)
        self._heads[rel] = head
        if rel not in self.dirty:
            self.reheaded.add(rel)

    def __delitem__(self, rel) -> None:
        rel = str(rel)
        self._heads.pop(rel, None)
        self._tails.pop(rel, None)
        self.dirty.discard(rel)
        self.reheaded.discard(rel)
        self.removed.add(rel)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._heads))

    def __len__(self) -> int:
        return len(self._heads)

    def may_contain(self, rels: Iterable, texts: Iterable[str], most: int = 16) -> set[str]:
        """Those of `rels` whose large part may hold one of `texts` in a string of its own: a row in the
        database is asked (pickle writes a string, and a body, as its UTF-8 bytes), any other is taken to
        hold one, and so is every row when there are more than `most` texts to look for."""
        rels, texts = {str(rel) for rel in rels}, list(texts)
        if self._search is None or len(texts) > most:
            return rels
        stored = {rel for rel in rels if rel not in self._tails}
        return (rels - stored) | (stored & self._search(texts))

    def keep_only(self, rels: Iterable) -> None:
        """Forget the entries of files that are gone."""
        present = {str(rel) for rel in rels}
        for rel in [rel for rel in self._heads if rel not in present]:
            del self[rel]

    def clear(self) -> None:
        self._heads, self._tails = {}, {}
        self.dirty, self.reheaded, self.removed, self.cleared = set(), set(), set(), True

    def written(self) -> None:
        """What was to be written has been."""
        self.dirty, self.reheaded, self.removed, self.cleared = set(), set(), set(), False



class CacheDatabase:
    """The cache database of one site, opened by the CLI for one build."""

    def __init__(self, path: Path, connection: sqlite3.Connection, meta: dict[str, str]):
        self.path = path
        self.connection = connection
        self.meta = meta
        self._loaded_memos: dict[str, Any] = {}  # name -> the object read, to tell whether it changed
        self._pid = os.getpid()
        self._inherited: sqlite3.Connection | None = None

    @classmethod
    def open(cls, path: Path, version: str) -> CacheDatabase | None:
        """The database at `path` if it is there, intact as far as opening shows, and of this `version`."""
        if not clear_side_files(path) or not path.is_file():
            return None
        try:
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            return None
        try:
            meta = dict(connection.execute("SELECT name, value FROM meta"))
        except Exception:  # noqa: BLE001 - not a database, or not laid out as ours: start cold
            connection.close()
            return None
        if meta.get("version") != version:
            connection.close()
            return None
        return cls(path, connection, meta)

    def close(self) -> None:
        self.connection.close()

    def rows(self, kind: str) -> RowStore:
        """The rows of one kind, their heads read and checked, their large parts left for later."""
        with paused_collector():
            heads = {rel: _checked_load(head, head_sum, f"{kind} row {rel}") for rel, head, head_sum in
                     self._query("SELECT rel, head, head_sum FROM rows WHERE kind = ?", kind)}
        return RowStore(heads, functools.partial(self._tail, kind), functools.partial(self._rows_holding, kind))

    def _tail(self, kind: str, rel: str) -> Any:
        found = self._query("SELECT tail, tail_sum FROM rows WHERE kind = ? AND rel = ?", kind, rel)
        if not found:
            raise CacheDamaged(f"{kind} row {rel} is missing from the cache database")
        return _checked_load(*found[0], f"{kind} row {rel}")

    def _rows_holding(self, kind: str, texts: list[str]) -> set[str]:
        """The rows of a kind whose large part has one of `texts` among its bytes, as UTF-8, in SQLite."""
        if not texts:
            return set()
        needles = [text.encode("utf-8", "surrogatepass") for text in texts]
        found = self._query(f"SELECT rel FROM rows WHERE kind = ? AND ({' OR '.join(['instr(tail, ?) > 0'] * len(needles))})",
                            kind, *needles)
        return {rel for rel, in found}

    def memo(self, name: str, key: str) -> Any:
        """The memo saved under `name` if it was made for `key`, else None."""
        return self._read_memo(name, "AND key = ?", key)

    def last_memo(self, name: str) -> Any:
        """The memo saved under `name`, whatever it was made for; None if there is none."""
        return self._loaded_memos[name] if name in self._loaded_memos else self._read_memo(name, "")

    def _read_memo(self, name: str, condition: str, *parameters) -> Any:
        found = self._query(f"SELECT data, data_sum FROM memos WHERE name = ? {condition}", name, *parameters)
        if not found:
            return None
        self._loaded_memos[name] = _checked_load(*found[0], f"the {name} memo")
        return self._loaded_memos[name]

    def _query(self, sql: str, *parameters) -> list[tuple]:
        if os.getpid() != self._pid:  # in a forked worker: SQLite connections must not cross a fork
            self._inherited, self._pid = self.connection, os.getpid()  # never used, nor closed, here
            self.connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            return self.connection.execute(sql, parameters).fetchall()
        except sqlite3.Error as exc:
            raise CacheDamaged(f"the cache database cannot be read: {exc}") from exc

    def loaded(self, name: str) -> Any:
        return self._loaded_memos.get(name)


def save_database(folder: Path, database: CacheDatabase | None, version: str, meta: dict[str, str],
                  stores: dict[str, RowStore], memos: dict[str, tuple[str, Any]]) -> CacheDatabase:
    """Write what changed: rows marked dirty or removed, memos that are not the ones read (None: removed).

    Without a database to update (a first build, or one whose rows were all
    cleared), a new one is written beside and renamed over the old, which is
    much cheaper than deleting every row of it in a transaction.
    """
    fresh = database is None or any(store.cleared for store in stores.values())
    path = folder / DATABASE
    target = folder / f"{DATABASE}.{os.getpid()}.tmp"
    if fresh:
        database = _new_database(folder, database, target, stores)
    connection = database.connection
    try:
        connection.execute("BEGIN")
        _write_changes(database, {**meta, "version": version}, stores, memos)
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        if fresh:  # nothing half-written is left behind; the old database was closed already
            connection.close()
            target.unlink(missing_ok=True)
        raise
    if fresh:
        connection.close()
        os.replace(target, path)
        clear_side_files(path)
        database.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    database.meta = {**meta, "version": version}
    for store in stores.values():
        store.written()
    return database


def _new_database(folder: Path, database: CacheDatabase | None, target: Path,
                  stores: dict[str, RowStore]) -> CacheDatabase:
    """An empty database at `target`, to be renamed over the old one once written."""
    for store in stores.values():  # a new database holds no row whose head alone could be written
        for rel in store.reheaded - store.dirty:
            store.put(rel, store.head(rel), store.tail(rel))  # its large part read while the old one is open
    if database is not None:
        database.close()
    for stale in folder.glob(f"{DATABASE}.*.tmp*"):  # ours, or left by a build that was killed
        stale.unlink(missing_ok=True)
    connection = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
    connection.executescript(_SCHEMA)
    return CacheDatabase(folder / DATABASE, connection, {})


def clear_side_files(path: Path) -> bool:
    """Remove what is not a regular file where SQLite keeps a database's journal (-journal, -wal, -shm).

    SQLite opens those itself, with a blocking open, when it reads the
    database: a named pipe there would hang the build, a link would have it
    write through to whatever it points at. Neither is SQLite's: damage of the
    cache, removed (three lstat calls a build). A journal that is a regular
    file is SQLite's own, left for it to roll back. False when something
    there could not be removed: the database is then not to be opened.
    """
    for suffix in ("-journal", "-wal", "-shm"):
        side = f"{path}{suffix}"
        try:
            mode = os.lstat(side).st_mode
        except OSError:  # none: the usual case
            continue
        if stat.S_ISREG(mode):
            continue
        try:
            if stat.S_ISDIR(mode):
                shutil.rmtree(side)
            else:
                os.unlink(side)
        except FileNotFoundError:
            pass
        except OSError:
            return False
    return True


def _write_changes(database: CacheDatabase, meta: dict[str, str], stores: dict[str, RowStore],
                   memos: dict[str, tuple[str, Any]]) -> None:
    connection, table = database.connection, fast_reducers()
    for name, value in meta.items():
        connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))
    for kind, store in stores.items():
        connection.executemany("DELETE FROM rows WHERE kind = ? AND rel = ?", ((kind, rel) for rel in store.removed))
        connection.executemany("INSERT OR REPLACE INTO rows (kind, rel, head, tail, head_sum, tail_sum) "
                               "VALUES (?, ?, ?, ?, ?, ?)",
                               (_row(kind, rel, *store.parts(rel), table) for rel in store.dirty))
        connection.executemany("UPDATE rows SET head = ?, head_sum = ? WHERE kind = ? AND rel = ?",
                               (_head_row(kind, rel, store.head(rel), table) for rel in store.reheaded - store.dirty))
    for name, (key, memo) in memos.items():
        if memo is None:  # none any more: one saved before would be read as this build's
            connection.execute("DELETE FROM memos WHERE name = ?", (name,))
            database._loaded_memos.pop(name, None)
        elif memo is not database.loaded(name):
            _write_memo(connection, database.path.parent, name, key, memo, table)
            database._loaded_memos[name] = memo


def _write_memo(connection: sqlite3.Connection, folder: Path, name: str, key: str, memo: Any, table: dict) -> None:
    """Pickle a memo into its row through a file: a large site's model memo is tens of MB, and as bytes it
    would be held twice at once (the pickle, and SQLite's copy of it) at the build's peak of memory."""
    with tempfile.TemporaryFile(dir=folder, prefix=f"{DATABASE}.memo.") as file:
        digest = new_digest()
        dump(memo, _DigestingWriter(file, digest), table)
        size = file.tell()
        connection.execute("INSERT OR REPLACE INTO memos VALUES (?, ?, zeroblob(?), ?)",
                           (name, key, size, digest.hexdigest()))
        rowid = connection.execute("SELECT rowid FROM memos WHERE name = ?", (name,)).fetchone()[0]
        file.seek(0)
        with connection.blobopen("memos", "data", rowid) as blob:
            while chunk := file.read(_CHUNK):
                blob.write(chunk)


_CHUNK = 1 << 20


class _DigestingWriter:
    """A file that digests what is written to it, as _sum digests bytes."""

    def __init__(self, file, digest):
        self.file, self.digest = file, digest

    def write(self, data) -> int:
        self.digest.update(data)
        return self.file.write(data)


def _row(kind: str, rel: str, head: Any, tail: Any, table: dict) -> tuple:
    head_data, tail_data = dumps(head, table), dumps(tail, table)
    return kind, rel, head_data, tail_data, _sum(head_data), _sum(tail_data)


def _head_row(kind: str, rel: str, head: Any, table: dict) -> tuple:
    data = dumps(head, table)
    return data, _sum(data), kind, rel


def _sum(data: bytes) -> str:
    return digest_bytes(data)


def _checked_load(data: bytes, checksum: str, what: str) -> Any:
    if _sum(data) != checksum:
        raise CacheDamaged(f"{what} fails its checksum")
    try:
        return load(data)
    except Exception as exc:  # noqa: BLE001 - damage of any kind
        raise CacheDamaged(f"{what} does not unpickle: {exc}") from exc
