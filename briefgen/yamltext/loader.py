"""YAML text that must be a mapping -> its values, with the file line of every key and list item."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import yaml

from briefgen.errors import Diagnostics
from briefgen.yamltext.limits import node_graph_problems, too_deep_problem
from briefgen.yamltext.problems import YamlSource
from briefgen.yamltext.scalars import StrictTextLoader
from briefgen.yamltext.syntax import syntax_problem, unconstructable_problem, unreadable_character


@dataclass(frozen=True, slots=True)
class YamlMapping:
    data: Mapping[str, Any]
    key_lines: Mapping[str, int] = field(default_factory=dict)
    item_lines: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    # The text exactly as typed, for values whose YAML type must not leak
    # into the site (an entity called `1.0` is the text "1.0", not a float).
    raw_text: Mapping[str, str | tuple[str | None, ...]] = field(default_factory=dict)

    def line_of(self, key: str, index: int | None = None) -> int | None:
        if index is not None and key in self.item_lines:
            lines = self.item_lines[key]
            if index < len(lines):
                return lines[index]
        return self.key_lines.get(key)


def normalise_text(text: str) -> str:
    """Accept a BOM and CRLF/CR line endings as if they were not there."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_yaml_mapping(yaml_text: str, rel, diags: Diagnostics, first_line: int = 1,
                       what: str = "YAML") -> YamlMapping | None:
    """YAML text that must be a mapping, with the file line of every key.

    The node graph is checked before any Python value is made of it (see
    limits): an alias bomb or a deep nesting is refused here, with its line,
    instead of exhausting memory or the stack in whatever walks the data later.
    """
    source = YamlSource(yaml_text, first_line, what)
    problems = unreadable_character(source)
    if not problems:
        loader = StrictTextLoader(yaml_text)
        try:
            node, problems = _compose(loader, source)
            if node is not None and not problems:
                problems = node_graph_problems(node, source, may_share_nodes="*" in yaml_text)
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
    return YamlMapping(data, key_lines, item_lines, raw_text)


def _compose(loader, source: YamlSource):
    """(the node graph or None, []) or (None, [the syntax problem])."""
    try:
        return loader.get_single_node(), []
    except yaml.YAMLError as exc:
        return None, [syntax_problem(exc, source)]
    except RecursionError:
        # Only the pure-Python composer recurses; libyaml stops at 1000 levels itself.
        return None, [too_deep_problem(source)]


def _construct(loader, node, source: YamlSource):
    """(the Python value, []) or (None, [problem]); the graph was checked, so this is a last guard."""
    if node is None:
        return {}, []
    try:
        return loader.construct_document(node), []
    except yaml.YAMLError as exc:
        return None, [syntax_problem(exc, source)]
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
        return None, [unconstructable_problem(exc, source)]


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
        elif isinstance(value_node, yaml.MappingNode):  # a nested mapping's keys, in order, as its items
            item_lines[key] = tuple(offset + sub_key.start_mark.line for sub_key, _ in value_node.value)
    return key_lines, item_lines, raw_text
