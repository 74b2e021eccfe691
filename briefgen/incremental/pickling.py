"""Pickling for the cache: fast reducers for briefgen's slotted dataclasses, with the collector paused on load.

The cache database (database.py) and the state files (state_files.py) both
pickle through here.
"""

from __future__ import annotations

import copyreg
import dataclasses
import functools
import io
import operator
import pickle
import sys
from pathlib import PurePosixPath
from typing import Any

from briefgen.incremental.memory import paused_collector


def load(data: bytes | Any) -> Any:
    """Unpickle bytes (or a file)."""
    with paused_collector():
        return pickle.loads(data) if isinstance(data, bytes) else pickle.load(data)


def dumps(obj: Any, table: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    dump(obj, buffer, table)
    return buffer.getvalue()


def dump(obj: Any, file, table: dict | None = None) -> None:
    pickler = pickle.Pickler(file, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = table if table is not None else fast_reducers()
    pickler.dump(obj)


def fast_reducers() -> dict:
    """Reducers for briefgen's slotted dataclasses (rebuilt by one call to the class) and for paths.

    Without them pickle uses dataclasses' own __getstate__/__setstate__, which
    look up the fields and set them one by one in Python: with 100,000 such
    objects in a large site's cache, that is most of the time spent loading it.
    Only classes whose fields all go through __init__ unchanged qualify. A
    path is rebuilt from one string rather than from its parts. Fields a class
    names in LARGE_TEXTS are written as UTF-8 bytes (see _reduce_with_texts).
    """
    table = copyreg.dispatch_table.copy()
    for name, module in list(sys.modules.items()):
        if name != "briefgen" and not name.startswith("briefgen."):
            continue
        for cls in vars(module).values():
            if isinstance(cls, type) and cls.__module__ == name and dataclasses.is_dataclass(cls) \
                    and "__slots__" in vars(cls) and not hasattr(cls, "__post_init__") \
                    and all(f.init for f in dataclasses.fields(cls)):
                names = [f.name for f in dataclasses.fields(cls)]
                texts = tuple(names.index(name) for name in getattr(cls, "LARGE_TEXTS", ()))
                table[cls] = functools.partial(_reduce_with_texts, cls, operator.attrgetter(*names), texts) \
                    if texts else functools.partial(_reduce_by_fields, cls, operator.attrgetter(*names), len(names) == 1)
    table[PurePosixPath] = _reduce_path
    return table


def _reduce_by_fields(cls, get_fields, single: bool, obj):
    values = get_fields(obj)
    return cls, (values,) if single else values


# A class's LARGE_TEXTS (the names of str fields: a body, its HTML) are pickled as UTF-8 bytes. Pickling a
# str that is not ASCII leaves a UTF-8 copy of it inside the str for as long as it lives: saving a large
# site's cache would hold a second copy of every body and every rendered body (100+ MB at 10,000 briefings).
def _reduce_with_texts(cls, get_fields, texts: tuple[int, ...], obj):
    values = list(get_fields(obj))
    for index in texts:
        values[index] = values[index].encode("utf-8", "surrogatepass")  # str.encode keeps no copy
    return _with_texts, (cls, texts, tuple(values))


def _with_texts(cls, texts: tuple[int, ...], values: tuple):
    values = list(values)
    for index in texts:
        values[index] = values[index].decode("utf-8", "surrogatepass")
    return cls(*values)


def _reduce_path(path: PurePosixPath):
    return PurePosixPath, (str(path),)
