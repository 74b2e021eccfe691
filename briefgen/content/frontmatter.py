"""Split a content file into its YAML front matter and Markdown body, keeping line numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import yaml

from briefgen import yamlshape
from briefgen.errors import Diagnostics

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictTextLoader(_BaseLoader):
    """YAML 1.2-like scalars: what the writer typed stays text.

    PyYAML follows YAML 1.1, where `NO` is False, `12:30` is 750 and `1_000`
    is 1000. Writers of briefings never mean that, so only the plain cases
    are resolved: true/false, null, decimal numbers and ISO timestamps.
    """


StrictTextLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in yamlshape.PLAIN_SCALARS:
    StrictTextLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _construct_timestamp(loader, node):
    # An impossible date such as 2021-02-30 stays text so the document layer
    # can say what is wrong with it, instead of YAML raising a bare ValueError.
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


StrictTextLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


@dataclass(frozen=True, slots=True)
class FrontMatter:
    data: Mapping[str, Any]
    key_lines: Mapping[str, int] = field(default_factory=dict)
    item_lines: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    # The text exactly as typed, for values whose YAML type must not leak
    # into the site (an entity called `1.0` is the text "1.0", not a float).
    raw_text: Mapping[str, str | tuple[str | None, ...]] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1  # 1-based line of the body's first line in the file

    def line_of(self, key: str, index: int | None = None) -> int | None:
        if index is not None and key in self.item_lines:
            lines = self.item_lines[key]
            if index < len(lines):
                return lines[index]
        return self.key_lines.get(key)


_FENCE = re.compile(r"^---[ \t]*$", re.MULTILINE)


def normalise_text(text: str) -> str:
    """Accept a BOM and CRLF/CR line endings as if they were not there."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, rel, diags: Diagnostics) -> FrontMatter | None:
    """Parse `---`-fenced YAML at the top of `text`; report problems into `diags`."""
    text = normalise_text(text)
    if not text.strip():
        diags.error(rel, 1, "the file is empty.", "Start it with a front matter block: ---, title: …, date: …, ---.")
        return None
    if not text.startswith("---"):
        diags.error(
            rel, 1, "there is no front matter.",
            "Start the file with a line '---', the YAML keys (title, date, …), and another '---'.",
        )
        return None
    first_line_end = text.find("\n")
    if first_line_end == -1 or text[:first_line_end].strip() != "---":
        diags.error(rel, 1, "the front matter must open with a line holding only '---'.")
        return None
    closing = _FENCE.search(text, first_line_end + 1)
    if closing is None:
        diags.error(
            rel, 1, "the front matter is not terminated.",
            "Add a line '---' after the last YAML key, before the body.",
        )
        return None
    yaml_text = text[first_line_end + 1 : closing.start()]
    yaml_first_line = 2
    body_start = text.find("\n", closing.end())
    body = "" if body_start == -1 else text[body_start + 1 :]
    body_line = text.count("\n", 0, closing.end()) + 2

    parsed = parse_yaml_mapping(yaml_text, rel, diags, yaml_first_line, what="front matter")
    if parsed is None:
        return None
    return FrontMatter(parsed.data, parsed.key_lines, parsed.item_lines, parsed.raw_text, body, body_line)


def parse_yaml_mapping(yaml_text: str, rel, diags: Diagnostics, first_line: int = 1,
                       what: str = "YAML") -> FrontMatter | None:
    """YAML text that must be a mapping, with the file line of every key.

    The node graph is checked before any Python value is made of it (see
    yamlshape): an alias bomb or a deep nesting is refused here, with its line,
    instead of exhausting memory or the stack in whatever walks the data later.
    """
    source = yamlshape.YamlSource(yaml_text, first_line, what)
    problems = yamlshape.unreadable_character(source)
    if not problems:
        loader = StrictTextLoader(yaml_text)
        try:
            node, problems = _compose(loader, source)
            if node is not None and not problems:
                problems = yamlshape.node_graph_problems(node, source, may_share_nodes="*" in yaml_text)
            if not problems:
                data, problems = _construct(loader, node, source)
        finally:
            loader.dispose()
    if problems:
        for problem in problems:
            diags.error(rel, problem.line, problem.message, problem.hint, col=problem.col)
        return None

    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        diags.error(
            rel, first_line, f"the {what} is {kind}, not a set of keys.",
            "Write it as 'key: value' lines, e.g. 'title: My briefing'.",
        )
        return None
    key_lines, item_lines, raw_text = _marks_of(node, first_line)
    data = {str(k): v for k, v in data.items()}
    return FrontMatter(data, key_lines, item_lines, raw_text)


def _compose(loader, source: yamlshape.YamlSource):
    """(the node graph or None, []) or (None, [the syntax problem])."""
    try:
        return loader.get_single_node(), []
    except yaml.YAMLError as exc:
        return None, [yamlshape.syntax_problem(exc, source)]
    except RecursionError:
        # Only the pure-Python composer recurses; libyaml stops at 1000 levels itself.
        return None, [yamlshape.too_deep_problem(source)]


def _construct(loader, node, source: yamlshape.YamlSource):
    """(the Python value, []) or (None, [problem]); the graph was checked, so this is a last guard."""
    if node is None:
        return {}, []
    try:
        return loader.construct_document(node), []
    except yaml.YAMLError as exc:
        return None, [yamlshape.syntax_problem(exc, source)]
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
        return None, [yamlshape.unconstructable_problem(exc, source)]


def _marks_of(node, offset: int):
    key_lines: dict[str, int] = {}
    item_lines: dict[str, tuple[int, ...]] = {}
    raw_text: dict[str, str | tuple[str | None, ...]] = {}
    if not isinstance(node, yaml.MappingNode):
        return key_lines, item_lines, raw_text
    for key_node, value_node in node.value:
        key = str(key_node.value)
        key_lines[key] = offset + key_node.start_mark.line
        if isinstance(value_node, yaml.ScalarNode):
            raw_text[key] = value_node.value
        elif isinstance(value_node, yaml.SequenceNode):
            item_lines[key] = tuple(offset + item.start_mark.line for item in value_node.value)
            raw_text[key] = tuple(
                item.value if isinstance(item, yaml.ScalarNode) else None for item in value_node.value
            )
    return key_lines, item_lines, raw_text
