"""The one fingerprint: an explicit encoding, type by type, the same in every process."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from pathlib import PurePosixPath
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from markupsafe import Markup

from briefgen.fingerprint import encode, fingerprint


@dataclasses.dataclass(frozen=True)
class Card:
    title: str
    points: tuple = ()


class Span(NamedTuple):
    start: int
    end: int


def test_values_of_different_types_or_shapes_never_encode_alike():
    values = [None, True, False, 1, "1", 1.0, b"1", ("1",), ["1"], {"1": 1}, frozenset({"1"}),
              ("a", "b"), ("a','b",), "a','b", ("a", ("b",)), (("a",), "b"), Markup("1"), PurePosixPath("1"),
              Card("1"), Card("1", ("x",)), Span(1, 2), (1, 2), dt.date(2021, 1, 26),
              dt.datetime(2021, 1, 26, tzinfo=ZoneInfo("UTC")), dt.datetime(2021, 1, 26, tzinfo=ZoneInfo("Europe/London")),
              ZoneInfo("UTC")]
    encodings = [encode(value) for value in values]
    assert len(set(encodings)) == len(values), [e for e in encodings if encodings.count(e) > 1]


def test_equal_values_encode_alike_and_a_changed_field_changes_the_fingerprint():
    assert fingerprint(Card("Biden", ("a",))) == fingerprint(Card("Biden", ("a",)))
    assert fingerprint(Card("Biden", ("a",))) != fingerprint(Card("Biden", ("b",)))
    assert fingerprint({"a": 1, "b": 2}) != fingerprint({"b": 2, "a": 1})  # the model fixes the order
    assert fingerprint(frozenset({"x", "y"})) == fingerprint(frozenset({"y", "x"}))


def test_a_type_with_no_written_encoding_is_refused_not_guessed():
    class Opaque:
        pass

    with pytest.raises(TypeError, match=r"no encoding for .*Opaque.*briefgen/fingerprint.py"):
        fingerprint("page", [Opaque()])


def test_a_type_may_say_what_stands_for_it():
    class View:
        def __init__(self, card: str, body: str):
            self.card, self.body = card, body

        def fingerprint_parts(self) -> str:
            return self.card

    assert fingerprint(View("c1", "one body")) == fingerprint(View("c1", "another body"))
    assert fingerprint(View("c1", "body")) != fingerprint(View("c2", "body"))


def test_sets_fingerprint_the_same_in_processes_of_different_hash_seeds():
    code = ("from briefgen.fingerprint import fingerprint; "
            "print(fingerprint(frozenset(f'name {i}' for i in range(50)), {'k': {'a', 'b', 'c'}}))")
    answers = set()
    for seed in ("1", "2", "3"):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed})
        answers.add(done.stdout.strip())
    assert len(answers) == 1
