"""What a plain YAML scalar means to briefgen: YAML 1.2-like, so what the writer typed stays text."""

from __future__ import annotations

import re

import yaml

TAG_PREFIX = "tag:yaml.org,2002:"
STR_TAG = TAG_PREFIX + "str"

# The plain scalars briefgen resolves, as (tag, pattern, first characters).
# An explicit tag (`!!int abc`) is held to the same pattern (see limits).
PLAIN_SCALARS = (
    (TAG_PREFIX + "bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (TAG_PREFIX + "null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (TAG_PREFIX + "int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    (TAG_PREFIX + "float", r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$", "-+0123456789."),
    (
        TAG_PREFIX + "timestamp",
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
        r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$",
        "0123456789",
    ),
)
SCALAR_PATTERNS = {tag: re.compile(pattern) for tag, pattern, _ in PLAIN_SCALARS}

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictTextLoader(_BaseLoader):
    """YAML 1.2-like scalars: what the writer typed stays text.

    PyYAML follows YAML 1.1, where `NO` is False, `12:30` is 750 and `1_000`
    is 1000. Writers of briefings never mean that, so only the plain cases
    are resolved: true/false, null, decimal numbers and ISO timestamps.
    """


StrictTextLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in PLAIN_SCALARS:
    StrictTextLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _construct_timestamp(loader, node):
    # An impossible date such as 2021-02-30 stays text so the document layer
    # can say what is wrong with it, instead of YAML raising a bare ValueError.
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


StrictTextLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
