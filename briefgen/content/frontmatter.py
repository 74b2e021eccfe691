"""Split a content file into its YAML front matter and Markdown body, keeping line numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from briefgen.errors import Diagnostics
from briefgen.yamltext.loader import YamlMapping, normalise_text, parse_yaml_mapping


@dataclass(frozen=True, slots=True)
class FrontMatter(YamlMapping):
    """The front matter's keys (with their lines and text as typed), and the body after it."""

    body: str = ""
    body_line: int = 1  # 1-based line of the body's first line in the file


_FENCE = re.compile(r"^---[ \t]*$", re.MULTILINE)


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
