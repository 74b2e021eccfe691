"""Checks on a YAML node graph before it becomes Python values, and YAML errors in the writer's words.

PyYAML composes `a: &a [x, x]`, `b: &b [*a, *a]`, … into a small graph whose
nodes are shared; nine levels of nine aliases are 517 bytes of text and 387
million values once anything walks them. Nesting is only bounded by libyaml
(1000 levels), far beyond what pickling the cache or rendering a template
survives. Both are refused here, on the graph, with the line they start on.
Every message quotes user text through `shown_text`, so a hostile value can
make a message neither long nor multi-line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

MAX_DEPTH = 50  # lists/mappings inside one another, the top-level keys' values being level 1
MAX_REPEATED_VALUES = 1000  # values that aliases may repeat in one document, counted at every use
MAX_INT_DIGITS = 4000  # below Python's int/str conversion limit (4300), which raises ValueError
SHOWN_CHARS = 60  # at most this much of a user's text is quoted in a message

_TAG_PREFIX = "tag:yaml.org,2002:"
STR_TAG = _TAG_PREFIX + "str"
_COLLECTION_TAGS = frozenset({_TAG_PREFIX + "seq", _TAG_PREFIX + "map"})

# The plain scalars briefgen resolves (YAML 1.2-like; see frontmatter.StrictTextLoader),
# as (tag, pattern, first characters). An explicit tag (`!!int abc`) is held to the same pattern.
PLAIN_SCALARS = (
    (_TAG_PREFIX + "bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (_TAG_PREFIX + "null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (_TAG_PREFIX + "int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    (_TAG_PREFIX + "float", r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$", "-+0123456789."),
    (
        _TAG_PREFIX + "timestamp",
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
        r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$",
        "0123456789",
    ),
)
_SCALAR_PATTERNS = {tag: re.compile(pattern) for tag, pattern, _ in PLAIN_SCALARS}

# What YAML's reader refuses (yaml.reader.Reader.NON_PRINTABLE), found before the parser sees it.
_NOT_YAML = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
# Characters that would break a message line or reorder it on a terminal.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CHARACTER_NAMES = {"\x00": "a NUL byte", "\x08": "a backspace", "\x0b": "a vertical tab",
                    "\x0c": "a form feed", "\x1b": "an escape character", "\x7f": "a delete character"}

_QUOTE_HINT = "Put the value in quotes, e.g. summary: \"…\"."
_ESCAPE_HINT = ("Write '\\\\' for a backslash, or put the value in single quotes, where a backslash is "
                "plain text.")
_GENERAL_HINT = ("Check indentation, colons and quotes; quote a value that contains ': ' or starts with a "
                 "special character.")


@dataclass(frozen=True, slots=True)
class YamlSource:
    """YAML text and where it sits: the file line of its first line, and what to call it."""

    text: str
    first_line: int = 1
    what: str = "YAML"


@dataclass(frozen=True, slots=True)
class YamlProblem:
    line: int  # a line of the file
    col: int | None  # 1-based, as the message shows it
    message: str
    hint: str


def shown_text(text: str, limit: int = SHOWN_CHARS) -> str:
    """User text fit to quote in a one-line message: at most `limit` characters, control characters escaped."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = _UNPRINTABLE.sub(_escaped, text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _problem_at(source: YamlSource, mark, message: str, hint: str) -> YamlProblem:
    if mark is None:
        return YamlProblem(source.first_line, None, message, hint)
    return YamlProblem(source.first_line + mark.line, mark.column + 1, message, hint)


# -- characters YAML refuses -------------------------------------------------------------------------


def unreadable_character(source: YamlSource) -> list[YamlProblem]:
    """The first character YAML refuses (NUL, other controls), at its line and column."""
    found = _NOT_YAML.search(source.text)
    if found is None:
        return []
    return [_character_problem(source, found.start())]


def _character_problem(source: YamlSource, index: int) -> YamlProblem:
    text = source.text
    char = text[index] if index < len(text) else "\x00"
    line = text.count("\n", 0, index)
    col = index - (text.rfind("\n", 0, index) + 1)
    name = _CHARACTER_NAMES.get(char, "a control character")
    return YamlProblem(
        source.first_line + line, col + 1,
        f"the {source.what} holds U+{ord(char):04X} ({name}), which YAML does not allow.",
        "Remove it (it often comes from a copy out of a PDF, a terminal or a binary file); "
        "inside double quotes an escape such as \"\\t\" writes a control character.",
    )


# -- the node graph ---------------------------------------------------------------------------------


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
                return _problem_at(
                    source, used_at,
                    f"{_in_branch(branch, source)}YAML aliases (*name) repeat more than "
                    f"{MAX_REPEATED_VALUES:,} values.",
                    "Write the values out, or use fewer aliases: briefgen refuses bigger expansions so that a "
                    "small file cannot use up the memory.",
                )
            continue
        if id(child_node) in in_progress:
            return _problem_at(
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
                    problems.append(_problem_at(
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
        problems.append(_problem_at(
            source, node.start_mark,
            f"{_in_branch(branch, source)}lists or mappings are nested deeper than {MAX_DEPTH} levels.",
            f"Flatten the value: briefgen reads at most {MAX_DEPTH} levels of lists and mappings inside one "
            "another.",
        ))
    else:
        children.append((node, depth, branch))


def _check_scalar(node: yaml.ScalarNode, source: YamlSource, problems: list[YamlProblem]) -> None:
    """A scalar that is not text: a tag briefgen reads, and a value that tag accepts."""
    pattern = _SCALAR_PATTERNS.get(node.tag)
    if pattern is None:
        problems.append(_tag_problem(node, source))
    elif not pattern.match(node.value):
        problems.append(_problem_at(
            source, node.start_mark,
            f"'{shown_text(node.value)}' is not a value of the YAML tag '{_short_tag(node.tag)}'.",
            "Remove the tag, or write a value of that kind.",
        ))
    elif node.tag == _TAG_PREFIX + "int" and len(node.value) > MAX_INT_DIGITS:
        problems.append(_problem_at(
            source, node.start_mark, f"a number of more than {MAX_INT_DIGITS:,} digits.",
            "Put it in quotes to keep it as text.",
        ))


def _tag_problem(node: yaml.Node, source: YamlSource) -> YamlProblem:
    return _problem_at(
        source, node.start_mark, f"the YAML tag '{shown_text(_short_tag(node.tag))}' is not supported.",
        "Remove the tag: briefgen reads text, numbers, true/false, dates, lists and mappings.",
    )


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG_PREFIX):] if tag.startswith(_TAG_PREFIX) else tag


def _twice_problem(key: str, mark, first_mark, branch: str | None, source: YamlSource) -> YamlProblem:
    where = f"in the {source.what}" if branch is None else f"in one mapping under '{shown_text(branch)}'"
    return _problem_at(
        source, mark,
        f"'{shown_text(key)}' is given twice {where} (first on line {source.first_line + first_mark.line}).",
        "Keep one of them: YAML allows a key once per mapping, and the second would silently replace the first.",
    )


def too_deep_problem(source: YamlSource, mark=None) -> YamlProblem:
    return _problem_at(
        source, mark, f"lists or mappings are nested deeper than {MAX_DEPTH} levels in the {source.what}.",
        f"Flatten the value: briefgen reads at most {MAX_DEPTH} levels of lists and mappings inside one another.",
    )


def unconstructable_problem(exc: Exception, source: YamlSource) -> YamlProblem:
    return YamlProblem(source.first_line, None,
                       f"a value in the {source.what} cannot be read ({shown_text(str(exc))}).",
                       "Remove any '!!' tag from it, or put the value in quotes.")


# -- PyYAML's errors, in the writer's words ----------------------------------------------------------


def syntax_problem(exc: yaml.YAMLError, source: YamlSource) -> YamlProblem:
    """One line with file:line:col, what is wrong and what to do; never PyYAML's '<unicode string>' lines."""
    if isinstance(exc, yaml.reader.ReaderError):
        return _character_problem(source, exc.position)
    if not isinstance(exc, yaml.MarkedYAMLError):
        return YamlProblem(source.first_line, None,
                           f"invalid YAML in {source.what}: {_first_line_of(str(exc))}.", _GENERAL_HINT)
    problem, context = exc.problem or "", exc.context or ""
    for rule in _RULES:
        found = rule(exc, problem, context, source)
        if found is not None:
            return found
    return _problem_at(source, exc.problem_mark or exc.context_mark,
                       f"invalid YAML in {source.what}: {_first_line_of(problem or context or 'invalid YAML')}.",
                       _GENERAL_HINT)


def _first_line_of(text: str) -> str:
    return shown_text(text.strip().splitlines()[0] if text.strip() else "invalid YAML", 120).rstrip(".")


def _char_at(source: YamlSource, mark, offset: int = 0) -> str:
    index = mark.index + offset if mark is not None else -1
    return source.text[index] if 0 <= index < len(source.text) else ""


def _word_at(source: YamlSource, mark) -> str:
    """The anchor or alias name that starts after the '&' or '*' at `mark`."""
    rest = source.text[mark.index + 1: mark.index + 1 + SHOWN_CHARS + 1]
    return re.split(r"[\s,\[\]{}]", rest, maxsplit=1)[0]


def _invalid(source: YamlSource, mark, what_is_wrong: str, hint: str) -> YamlProblem:
    return _problem_at(source, mark, f"invalid YAML in {source.what}: {what_is_wrong}.", hint)


def _tab(exc, problem, context, source):
    tab_found = "cannot start any token" in problem and _char_at(source, exc.problem_mark) == "\t"
    if "tab character" in problem or tab_found:
        return _invalid(source, exc.problem_mark, "a tab where YAML allows only spaces",
                        "Indent with spaces, not tabs (set your editor to insert spaces).")
    return None


def _bad_start(exc, problem, context, source):
    if "cannot start any token" in problem:
        char = shown_text(_char_at(source, exc.problem_mark)) or "this character"
        return _invalid(source, exc.problem_mark, f"a value cannot start with '{char}'", _QUOTE_HINT)
    return None


def _unclosed_quote(exc, problem, context, source):
    if "end of stream" in problem and "quoted scalar" in context:
        return _invalid(source, exc.context_mark, "the quoted value that starts here is never closed",
                        "Add the closing quote at the end of the value; inside double quotes write a quote as "
                        "\\\", inside single quotes as ''.")
    return None


def _bad_escape(exc, problem, context, source):
    if "unknown escape character" in problem:
        # libyaml marks the backslash, PyYAML's own scanner the character after it.
        offset = 1 if _char_at(source, exc.problem_mark) == "\\" else 0
        escape = shown_text(_char_at(source, exc.problem_mark, offset), 1)
        return _invalid(source, exc.problem_mark,
                        f"'\\{escape}' is not an escape YAML knows in a double-quoted value", _ESCAPE_HINT)
    if "hexdecimal number" in problem or "character escape code" in problem or "escape sequence of" in problem:
        return _invalid(source, exc.problem_mark,
                        "a \\x, \\u or \\U escape in a double-quoted value is not a valid character code",
                        _ESCAPE_HINT)
    return None


def _stray_colon(exc, problem, context, source):
    if "mapping values are not allowed" in problem and exc.problem_mark.column > 1024:
        return _invalid(source, exc.problem_mark, "a key longer than 1,024 characters, the most YAML allows",
                        "Use a shorter key.")
    if "mapping values are not allowed" in problem:
        return _invalid(source, exc.problem_mark, "a ': ' inside a value, or a key indented under a value",
                        "Put a value that holds ': ' in quotes, e.g. summary: \"Biden: a call\"; "
                        "otherwise check this line's indentation.")
    if "could not find expected ':'" in problem:
        return _invalid(source, exc.context_mark or exc.problem_mark,
                        "this line is neither 'key: value' nor part of the value above",
                        "Add ': ' after the key, or indent the line to continue the value above.")
    return None


def _unclosed_flow(exc, problem, context, source):
    if "expected ',' or ']'" in problem:
        return _invalid(source, exc.context_mark, "the list opened here with '[' is not closed",
                        "Add ']' after its last item; quote an item that holds ',', '[', ']' or ': '.")
    if "expected ',' or '}'" in problem:
        return _invalid(source, exc.context_mark, "the mapping opened here with '{' is not closed",
                        "Add '}' after its last key; quote a value that holds ',', '{', '}' or ': '.")
    return None


def _misplaced_line(exc, problem, context, source):
    if "expected key" in problem and "block mapping" in context and exc.context_mark is not None:
        return _invalid(source, exc.problem_mark,
                        "this line does not fit the 'key: value' lines of the mapping that starts on line "
                        f"{source.first_line + exc.context_mark.line}",
                        "Check its indentation; quote a value that starts with '-', '[', '{', '*', '&' or '!'.")
    if "expected <block end>" in problem:  # PyYAML's own parser words a misplaced line so
        return _invalid(source, exc.problem_mark, "this line does not fit the indentation of the lines above it",
                        "Check its indentation; quote a value that starts with '-', '[', '{', '*', '&' or '!'.")
    if "sequence entries are not allowed" in problem:
        return _invalid(source, exc.problem_mark, "a '- ' list item where a value was expected",
                        "Put list items on their own lines under the key, or put the value in quotes.")
    return None


def _aliases_and_anchors(exc, problem, context, source):
    if "undefined alias" in problem:
        name = shown_text(_word_at(source, exc.problem_mark))
        return _invalid(source, exc.problem_mark,
                        f"'*{name}' is an alias, but no '&{name}' anchor comes before it",
                        "A value starting with '*' refers to an anchor; put it in quotes if you meant the text, "
                        "e.g. summary: \"*Breaking* news\".")
    if "while scanning an anchor" in context or "while scanning an alias" in context:
        return _invalid(source, exc.context_mark, "'&' or '*' at the start of a value starts a YAML anchor or alias",
                        _QUOTE_HINT)
    if "duplicate anchor" in context and exc.context_mark is not None:
        name = shown_text(_word_at(source, exc.problem_mark))
        return _invalid(source, exc.problem_mark,
                        f"the anchor '&{name}' is defined a second time (first on line "
                        f"{source.first_line + exc.context_mark.line})",
                        "Give each anchor its own name.")
    return None


def _documents(exc, problem, context, source):
    if "single document" in context:
        return _invalid(source, exc.problem_mark, "a line starting with '---' here starts a second YAML document",
                        "Remove the line, or indent it or put it in quotes if it is part of a value.")
    if "<document start>" in problem:
        return _invalid(source, exc.problem_mark,
                        "this line comes after the YAML document has ended (a line '...' ends it, and a line "
                        "starting with '%' is a directive)",
                        "Remove the '...' or '%' line, or put the text in quotes.")
    return None


def _nesting(exc, problem, context, source):
    if "maximum nesting depth" in problem:
        return too_deep_problem(source, exc.problem_mark)
    return None


_RULES = (_tab, _bad_start, _unclosed_quote, _bad_escape, _stray_colon, _unclosed_flow, _misplaced_line,
          _aliases_and_anchors, _documents, _nesting)
