"""Checks on a YAML node graph before it becomes Python values.

PyYAML composes `a: &a [x, x]`, `b: &b [*a, *a]`, … into a small graph whose
nodes are shared; nine levels of nine aliases are 517 bytes of text and 387
million values once anything walks them. Nesting is only bounded by libyaml
(1000 levels), far beyond what pickling the cache or rendering a template
survives. Both are refused here, on the graph, with the line they start on;
so are keys given twice and tags briefgen does not read.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from briefgen.yamltext.problems import YamlProblem, YamlSource, problem_at, shown_text
from briefgen.yamltext.scalars import SCALAR_PATTERNS, STR_TAG, TAG_PREFIX

MAX_DEPTH = 50  # lists/mappings inside one another, the top-level keys' values being level 1
MAX_REPEATED_VALUES = 1000  # values that aliases may repeat in one document, counted at every use
MAX_INT_DIGITS = 4000  # below Python's int/str conversion limit (4300), which raises ValueError

_COLLECTION_TAGS = frozenset({TAG_PREFIX + "seq", TAG_PREFIX + "map"})


def node_graph_problems(root: yaml.Node, source: YamlSource, may_share_nodes: bool) -> list[YamlProblem]:
    """Alias expansion, nesting depth, keys given twice and tags, found on the composed graph.

    `may_share_nodes` is false when the text holds no '*': without an alias no
    node is shared, so the graph is a tree and the expansion count is skipped.
    """
    if isinstance(root, yaml.ScalarNode):  # not a mapping: the caller says so
        problems: list[YamlProblem] = []
        if root.tag != STR_TAG:
            _check_scalar(root, source, problems)
        return problems
    if may_share_nodes:
        problem = _alias_problem(root, source)
        if problem is not None:
            return [problem]
    return _shape_problems(root, source, may_share_nodes)


def _children(node: yaml.Node):
    """(child, the mark of where it is used, its key's text): an alias's own node carries its anchor's mark."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            yield key_node, key_node.start_mark, None
            yield value_node, key_node.start_mark, key
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield item, node.start_mark, None


def _alias_problem(root: yaml.Node, source: YamlSource) -> YamlProblem | None:
    """Count every value as often as aliases repeat it, without expanding anything (post-order, memoised)."""
    sizes: dict[int, int] = {}  # id(node) -> values it stands for, once counted
    in_progress = {id(root)}
    repeated = 0
    stack = [_CountFrame(root, _children(root), None)]
    while stack:
        frame = stack[-1]
        child = next(frame.children, None)
        if child is None:
            stack.pop()
            in_progress.discard(id(frame.node))
            sizes[id(frame.node)] = frame.size
            if stack:
                stack[-1].size += frame.size
            continue
        child_node, used_at, key = child
        branch = key if frame.node is root else frame.branch
        if id(child_node) in sizes:
            repeated += sizes[id(child_node)]
            frame.size += sizes[id(child_node)]
            if repeated > MAX_REPEATED_VALUES:
                return problem_at(
                    source, used_at,
                    f"{_in_branch(branch, source)}YAML aliases (*name) repeat more than "
                    f"{MAX_REPEATED_VALUES:,} values.",
                    "Write the values out, or use fewer aliases: briefgen refuses bigger expansions so that a "
                    "small file cannot use up the memory.",
                )
            continue
        if id(child_node) in in_progress:
            return problem_at(
                source, used_at,
                f"{_in_branch(branch, source)}a YAML alias (*name) is used inside its own anchor's value, "
                "which would contain itself.",
                "Remove the alias, or write the value out.",
            )
        if isinstance(child_node, yaml.ScalarNode):
            sizes[id(child_node)] = 1
            frame.size += 1
            continue
        in_progress.add(id(child_node))
        stack.append(_CountFrame(child_node, _children(child_node), branch))
    return None


@dataclass(slots=True)
class _CountFrame:
    node: yaml.Node
    children: object  # the generator from _children
    branch: str | None  # the top-level key this node is under
    size: int = 1


def _in_branch(key: str | None, source: YamlSource) -> str:
    return f"under '{shown_text(key)}', " if key is not None else f"in the {source.what}, "


def _shape_problems(root: yaml.Node, source: YamlSource, may_share_nodes: bool) -> list[YamlProblem]:
    """Depth, keys given twice, keys that are not text, and tags, over the tree as aliases expand it.

    A shared node is walked at every use, so that its depth counts where each
    alias puts it; _alias_problem has bounded what that costs. This runs on
    every content file, so text scalars (nearly all nodes) cost one class and
    one tag comparison, and nothing else.
    """
    problems: list[YamlProblem] = []
    stack: list[tuple[yaml.Node, int, str | None]] = [(root, 0, None)]
    scalar = yaml.ScalarNode
    while stack:
        node, depth, branch = stack.pop()
        if node.tag not in _COLLECTION_TAGS:
            problems.append(_tag_problem(node, source))
            continue
        children: list[tuple[yaml.Node, int, str | None]] = []  # walked in document order
        if node.__class__ is yaml.MappingNode:
            first_marks: dict[str, yaml.Mark] = {}
            for key_node, value_node in node.value:
                if key_node.__class__ is not scalar:
                    problems.append(problem_at(
                        source, key_node.start_mark, f"{_in_branch(branch, source)}a key is a list or a mapping.",
                        "A key is plain text, e.g. 'title:'; quote it if it starts with '[' or '{'.",
                    ))
                    continue
                if key_node.tag != STR_TAG:
                    _check_scalar(key_node, source, problems)
                key = key_node.value
                if key in first_marks:
                    problems.append(_twice_problem(key, key_node.start_mark, first_marks[key], branch, source))
                else:
                    first_marks[key] = key_node.start_mark
                if value_node.__class__ is scalar:
                    if value_node.tag != STR_TAG:
                        _check_scalar(value_node, source, problems)
                else:
                    _push(value_node, depth + 1, key if branch is None else branch, source, children, problems)
        else:
            for item in node.value:
                if item.__class__ is scalar:
                    if item.tag != STR_TAG:
                        _check_scalar(item, source, problems)
                else:
                    _push(item, depth + 1, branch, source, children, problems)
        stack.extend(reversed(children))
    if may_share_nodes:  # a problem inside an anchor's value is found once per alias
        problems = list({(p.line, p.col): p for p in reversed(problems)}.values())[::-1]
    return problems


def _push(node, depth, branch, source, children, problems) -> None:
    """Walk a list or mapping next, unless it lies deeper than briefgen reads."""
    if depth > MAX_DEPTH:
        problems.append(problem_at(
            source, node.start_mark,
            f"{_in_branch(branch, source)}lists or mappings are nested deeper than {MAX_DEPTH} levels.",
            f"Flatten the value: briefgen reads at most {MAX_DEPTH} levels of lists and mappings inside one "
            "another.",
        ))
    else:
        children.append((node, depth, branch))


def _check_scalar(node: yaml.ScalarNode, source: YamlSource, problems: list[YamlProblem]) -> None:
    """A scalar that is not text: a tag briefgen reads, and a value that tag accepts."""
    pattern = SCALAR_PATTERNS.get(node.tag)
    if pattern is None:
        problems.append(_tag_problem(node, source))
    elif not pattern.match(node.value):
        problems.append(problem_at(
            source, node.start_mark,
            f"'{shown_text(node.value)}' is not a value of the YAML tag '{_short_tag(node.tag)}'.",
            "Remove the tag, or write a value of that kind.",
        ))
    elif node.tag == TAG_PREFIX + "int" and len(node.value) > MAX_INT_DIGITS:
        problems.append(problem_at(
            source, node.start_mark, f"a number of more than {MAX_INT_DIGITS:,} digits.",
            "Put it in quotes to keep it as text.",
        ))


def _tag_problem(node: yaml.Node, source: YamlSource) -> YamlProblem:
    return problem_at(
        source, node.start_mark, f"the YAML tag '{shown_text(_short_tag(node.tag))}' is not supported.",
        "Remove the tag: briefgen reads text, numbers, true/false, dates, lists and mappings.",
    )


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(TAG_PREFIX):] if tag.startswith(TAG_PREFIX) else tag


def _twice_problem(key: str, mark, first_mark, branch: str | None, source: YamlSource) -> YamlProblem:
    where = f"in the {source.what}" if branch is None else f"in one mapping under '{shown_text(branch)}'"
    return problem_at(
        source, mark,
        f"'{shown_text(key)}' is given twice {where} (first on line {source.first_line + first_mark.line}).",
        "Keep one of them: YAML allows a key once per mapping, and the second would silently replace the first.",
    )


def too_deep_problem(source: YamlSource, mark=None) -> YamlProblem:
    return problem_at(
        source, mark, f"lists or mappings are nested deeper than {MAX_DEPTH} levels in the {source.what}.",
        f"Flatten the value: briefgen reads at most {MAX_DEPTH} levels of lists and mappings inside one another.",
    )

