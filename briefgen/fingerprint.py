"""One fingerprint for everything the incremental engine compares, and one digest for bytes.

A fingerprint is a digest of an explicit encoding of its parts, written out
here type by type, so that equal inputs always give equal fingerprints in any
process and different inputs (of any type or shape) practically never do:

- None, True, False: `N`, `T`, `F`; an int `i` and its digits; a float `f`
  and its shortest round-trip form; a str its quoted literal (`'…'`), which
  is unambiguous; bytes `b` and their hex;
- a tuple or list whose items are all None, bools, ints, floats or strs
  (those exact types): its repr(), Python's literal, exact for them and
  made in C (most of what is fingerprinted is lists of such pairs);
- any other tuple `(…)` or list `[…]`: the items' encodings, comma-separated
  (never with the trailing comma or ", " of a repr, so never alike);
- dict and read-only mappings `{k:v,…}` in their order (which the model
  fixes); set and frozenset `<…>` with the items' encodings sorted, since
  their order changes between processes;
- dates, times and datetimes `d` and their ISO form, then `@` and the zone's
  key; a ZoneInfo `z` and its key; a path `p` and its quoted text;
- an Enum its class and member name; a str subclass (Jinja2's Markup) its
  class and text;
- a dataclass or NamedTuple its class name and its fields in declared order;
- a type with a `fingerprint_parts()` method what that returns: a view that
  stands for a briefing is encoded as its card's digest, not its contents.

Anything else is a TypeError naming the type: a value whose encoding is not
written here must not be fingerprinted by accident (as `repr()` would, with
an address that changes every run or contents that are left out).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import operator
from collections.abc import Callable, Mapping
from pathlib import PurePath
from types import MappingProxyType
from zoneinfo import ZoneInfo

DIGEST_SIZE = 16  # bytes: 128 bits, far beyond any site's number of inputs


def fingerprint(*parts: object) -> str:
    """The digest of the parts' encoding (see the module's description), as 32 hex digits."""
    return digest_text(encode(parts))


def digest_bytes(data: bytes) -> str:
    """The digest of a file's or a page's bytes, as 32 hex digits."""
    return hashlib.blake2b(data, digest_size=DIGEST_SIZE).hexdigest()


def digest_text(text: str) -> str:
    return digest_bytes(text.encode("utf-8", "surrogatepass"))


def new_digest() -> hashlib.blake2b:
    """A digest to feed piece by piece (a folder of templates, a file read in chunks)."""
    return hashlib.blake2b(digest_size=DIGEST_SIZE)


def encode(value: object) -> str:
    encoder = _ENCODERS.get(type(value))
    if encoder is None:
        encoder = _encoder_for(type(value))
    return encoder(value)


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _is_plain(values) -> bool:
    return all(map(_PLAIN.__contains__, map(type, values)))  # in C: no Python call per item


def _sequence(values) -> str:
    # A str or a tuple, the most common items by far, are encoded here rather than through encode(),
    # as _ENCODERS would: a site's fingerprints encode hundreds of thousands of them.
    parts = []
    for value in values:
        kind = type(value)
        if kind is str:
            parts.append(repr(value))
        elif kind is tuple:
            parts.append(repr(value) if _is_plain(value) else f"({_sequence(value)})")
        else:
            parts.append(encode(value))
    return ",".join(parts)


def _mapping(value: Mapping) -> str:
    return "{" + ",".join(f"{encode(key)}:{encode(item)}" for key, item in value.items()) + "}"


def _moment(value: dt.date | dt.time) -> str:
    zone = getattr(value, "tzinfo", None)
    return f"d{value.isoformat()}@{getattr(zone, 'key', zone)}"


_ENCODERS: dict[type, Callable[[object], str]] = {
    type(None): lambda value: "N",
    bool: lambda value: "T" if value else "F",
    int: lambda value: f"i{value}",
    float: lambda value: f"f{value!r}",
    str: repr,
    bytes: lambda value: f"b{value.hex()}",
    tuple: lambda value: repr(value) if _is_plain(value) else f"({_sequence(value)})",
    list: lambda value: repr(value) if _is_plain(value) else f"[{_sequence(value)}]",
    dict: _mapping,
    MappingProxyType: _mapping,
    frozenset: lambda value: "<" + ",".join(sorted(map(encode, value))) + ">",
    set: lambda value: "<" + ",".join(sorted(map(encode, value))) + ">",
    dt.datetime: _moment,
    dt.date: _moment,
    dt.time: _moment,
    ZoneInfo: lambda value: f"z{value.key}",
}


@functools.cache
def _encoder_for(cls: type) -> Callable[[object], str]:
    """The encoder of a type not in _ENCODERS, found once per type."""
    name = f"{cls.__module__}.{cls.__qualname__}"
    if hasattr(cls, "fingerprint_parts"):
        return lambda value: f"{name}{encode(value.fingerprint_parts())}"
    if dataclasses.is_dataclass(cls):
        names = [f.name for f in dataclasses.fields(cls)]
        if len(names) == 1:
            return lambda value: f"{name}({encode(getattr(value, names[0]))})"
        fields_of = operator.attrgetter(*names)  # every field at once, in declared order
        return lambda value: f"{name}({_sequence(fields_of(value))})"
    if issubclass(cls, tuple) and hasattr(cls, "_fields"):  # a NamedTuple
        return lambda value: f"{name}({_sequence(value)})"
    if issubclass(cls, enum.Enum):
        return lambda value: f"{name}.{value.name}"
    if issubclass(cls, str):
        return lambda value: f"{name}{str.__repr__(value)}"
    if issubclass(cls, PurePath):
        return lambda value: f"p{value.as_posix()!r}"
    if issubclass(cls, Mapping):
        return _mapping
    raise TypeError(f"fingerprint() has no encoding for {name}: write one in briefgen/fingerprint.py")
