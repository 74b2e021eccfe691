"""YAML the parser refuses, in the writer's words: one line with file:line:col, what is wrong and what to do."""

from __future__ import annotations

import re

import yaml

from briefgen.yamltext.limits import too_deep_problem
from briefgen.yamltext.problems import SHOWN_CHARS, YamlProblem, YamlSource, problem_at, shown_text

# What YAML's reader refuses (yaml.reader.Reader.NON_PRINTABLE), found before the parser sees it.
_NOT_YAML = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
_CHARACTER_NAMES = {"\x00": "a NUL byte", "\x08": "a backspace", "\x0b": "a vertical tab",
                    "\x0c": "a form feed", "\x1b": "an escape character", "\x7f": "a delete character"}

_QUOTE_HINT = "Put the value in quotes, e.g. summary: \"…\"."
_ESCAPE_HINT = ("Write '\\\\' for a backslash, or put the value in single quotes, where a backslash is "
                "plain text.")
_GENERAL_HINT = ("Check indentation, colons and quotes; quote a value that contains ': ' or starts with a "
                 "special character.")


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
    return problem_at(source, exc.problem_mark or exc.context_mark,
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
    return problem_at(source, mark, f"invalid YAML in {source.what}: {what_is_wrong}.", hint)


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
