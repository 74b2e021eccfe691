"""`briefgen tag`: add to a briefing's front matter the entities its text mentions but does not name.

The names found are those of the notes that `check` prints (model/mentions.py).
The file is edited line by line, never re-dumped: every byte of it stays as
it was but the names added (its comments, key order, quoting, line endings).
The edit is read back with the YAML reader of the build and must give the
same front matter with the names added; a file for which it would not, or
whose front matter does not parse, is left untouched with a message.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from briefgen import incremental
from briefgen.config import SiteConfig
from briefgen.content.frontmatter import split_front_matter
from briefgen.errors import Diagnostics
from briefgen.incremental import BuildCache
from briefgen.pipeline import build
from briefgen.site_files import NotRegularFile, read_regular
from briefgen.wording import counted


@dataclass(frozen=True, slots=True)
class TagEdit:
    """One file's new text, or why it is left as it is."""

    path: Path
    rel: str  # as shown: content/briefings/x.md
    added: dict[str, list[str]]  # taxonomy -> names added, in the order found
    old_text: str = ""
    new_text: str = ""
    problem: str = ""  # non-empty: the file is left as it is

    def diff(self) -> str:
        return "".join(difflib.unified_diff(self.old_text.splitlines(keepends=True),
                                            self.new_text.splitlines(keepends=True),
                                            f"a/{self.rel}", f"b/{self.rel}"))


@dataclass
class TagReport:
    """What `briefgen tag` says: the diffs (stdout), errors and information (stderr)."""

    diffs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)


@dataclass
class TagPlan:
    edits: list[TagEdit] = field(default_factory=list)
    untouched: list[str] = field(default_factory=list)  # files asked for that miss no name
    not_briefings: list[str] = field(default_factory=list)  # files asked for that are no briefing of the site

    def report(self, write: bool, everything: bool, site: str) -> TagReport:
        """Write the edits if `write`, and say what was done or would be."""
        said = TagReport()
        said.errors += [f"{rel}: error: this is not a briefing of the site in {site}; tag adds names to files of "
                        "content/briefings/." for rel in self.not_briefings]
        said.info += [f"{rel}: its front matter names every entity its text mentions." for rel in self.untouched]
        for edit in self.edits:
            if edit.problem:
                names = "; ".join(f"{taxonomy}: {', '.join(added)}" for taxonomy, added in edit.added.items())
                said.errors.append(f"{edit.rel}: error: {edit.problem}; it is left as it is. Add by hand: {names}.")
            else:
                said.diffs.append(edit.diff())
        ready = len(said.diffs)
        files = counted(ready, "file")
        if ready and write:
            self.write()
            said.info.append(f"Tagged {files}.")
        elif ready:
            said.info.append(f"{files} to tag; nothing was written. Run again with --yes to write these changes.")
        elif not self.edits and everything:
            said.info.append("Every briefing's front matter names every entity its text mentions.")
        return said

    def write(self) -> list[TagEdit]:
        """Write every edit that has no problem; those written."""
        written = [edit for edit in self.edits if not edit.problem]
        for edit in written:
            rewrite(Path(edit.path), edit.new_text)
        return written


def rewrite(path: Path, text: str) -> None:
    """A writer's file replaced by `text` in one step: written beside it under a hidden name, flushed to
    disk, then renamed over it, with its permissions. A full disk, a quota or a kill leaves the file as it
    was, never cut short. A link is followed: the file it names is replaced, and the link stays."""
    path = Path(os.path.realpath(path))
    mode = stat.S_IMODE(os.stat(path).st_mode)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with open(handle, "w", encoding="utf-8", newline="") as file:  # newline="": the file's own line endings
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def missing_names(config: SiteConfig) -> tuple[dict[str, dict[str, list[str]]], set[str]]:
    """For each briefing (by source path) whose text mentions entities its front matter does not name:
    taxonomy -> those entities' names; and the source paths of every briefing. Raises BuildError when the
    site does not check."""
    cache = BuildCache()
    result = build(config, render_pages=False, cache=cache)
    site, index = result.site, incremental.mention_index(result.site, cache)
    missing: dict[str, dict[str, list[str]]] = {}
    for briefing in site.briefings:
        named = site.briefing_entities.get(briefing.slug, {})
        for mention in index.mentions_of(briefing.source_rel).entities:
            taxonomy = mention.key[0]
            if mention.key in named.get(taxonomy, ()) or mention.key not in site.registry.entities:
                continue
            names = missing.setdefault(str(briefing.source_rel), {}).setdefault(taxonomy, [])
            name = site.registry.entities[mention.key].name
            if name not in names:
                names.append(name)
    return missing, {str(briefing.source_rel) for briefing in site.briefings}


def plan_tags(config: SiteConfig, files: list[Path] | None) -> TagPlan:
    """The edits for `files` (None: every briefing that misses a name)."""
    missing, briefings = missing_names(config)
    plan = TagPlan()
    wanted = sorted(missing) if files is None else [_site_rel(path, config.root) for path in files]
    for rel in wanted:
        if rel not in briefings:
            plan.not_briefings.append(rel)
        elif rel not in missing:
            plan.untouched.append(rel)
        else:
            plan.edits.append(edit_file(config.root / rel, rel, missing[rel]))
    return plan


def _site_rel(path: Path, root: Path) -> str:
    try:
        return PurePosixPath(path.resolve().relative_to(root.resolve())).as_posix()
    except ValueError:
        return str(path)


def edit_file(path: Path, rel: str, names: dict[str, list[str]]) -> TagEdit:
    """The file with `names` added to its front matter, or why not."""
    try:
        raw = read_regular(path)  # made a pipe since the build checked it: said, never a hang
    except NotRegularFile as exc:
        return TagEdit(path, rel, names, problem=str(exc))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return TagEdit(path, rel, names, problem="the file is not UTF-8 text")
    diags = Diagnostics()
    before = split_front_matter(text, rel, diags)
    if before is None:
        first = diags.items[0] if diags.items else None
        return TagEdit(path, rel, names, problem="its front matter cannot be read"
                       + (f" (line {first.line}: {first.message})" if first else ""))
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    end = _front_matter_end(lines)
    for taxonomy, added in names.items():
        end = _add_names(lines, end, taxonomy, added, newline)
        if end is None:
            break
    new_text = "".join(lines)
    after = None if end is None else split_front_matter(new_text, rel, Diagnostics())
    if after is None or dict(after.data) != _expected(before.data, names):
        return TagEdit(path, rel, names, text, problem="its front matter is written in a way tag cannot extend "
                                                      "without rewriting it")
    return TagEdit(path, rel, names, text, new_text)


def _expected(data, names: dict[str, list[str]]) -> dict:
    expected = dict(data)
    for taxonomy, added in names.items():
        given = expected.get(taxonomy)
        given = [] if given is None else list(given) if isinstance(given, list) else [given]
        expected[taxonomy] = given + added
    return expected


def _front_matter_end(lines: list[str]) -> int:
    """The index of the closing '---' line."""
    return next(i for i, line in enumerate(lines) if i > 0 and re.fullmatch(r"---[ \t]*", line.rstrip("\r\n")))


_KEY = r"^{}[ \t]*:(?P<rest>.*)$"
_FLOW = re.compile(r"^(?P<open>[ \t]*\[)(?P<items>[^\[\]#]*?)(?P<close>[ \t]*\])(?P<tail>[ \t]*(#.*)?)$")
_SCALAR = re.compile(r"^(?P<lead>[ \t]*)(?P<value>[^#\[\]{}|>&*!%@`-][^#]*?|)(?P<tail>[ \t]*(#.*)?)$")


def _add_names(lines: list[str], end: int, taxonomy: str, names: list[str], newline: str) -> int | None:
    """Add `names` to the `taxonomy` key of the front matter (lines 1..end-1); the new end, or None when the
    key's value is of a form a line edit cannot extend."""
    key = re.compile(_KEY.format(re.escape(taxonomy)))
    quoted = [_yaml_text(name) for name in names]
    at = next((i for i in range(1, end) if key.match(lines[i].rstrip("\r\n"))), None)
    if at is None:  # no such key: a line of its own, last
        lines.insert(end, f"{taxonomy}: [{', '.join(quoted)}]{newline}")
        return end + 1
    line = lines[at].rstrip("\r\n")
    eol = lines[at][len(line):]
    head, rest = line[:len(line) - len(key.match(line).group("rest"))], key.match(line).group("rest")
    flow = _FLOW.match(rest)
    if flow is not None:  # leaders: [A, B]  -> leaders: [A, B, C]
        items = flow.group("items")
        joined = items.rstrip() + (", " if items.strip() else "") + ", ".join(quoted) + items[len(items.rstrip()):]
        lines[at] = head + flow.group("open") + joined + flow.group("close") + flow.group("tail") + eol
        return end
    scalar = _SCALAR.match(rest)
    if scalar is not None and scalar.group("value").strip():  # leaders: A  -> leaders: [A, C]
        value = scalar.group("value")
        lines[at] = head + scalar.group("lead") + "[" + ", ".join([value.strip(), *quoted]) + "]" + \
            value[len(value.rstrip()):] + scalar.group("tail") + eol
        return end
    if scalar is not None:  # leaders:  followed by "- A" lines, or by nothing
        block = _block_items(lines, at, end)
        if not block:
            lines[at] = head + " [" + ", ".join(quoted) + "]" + scalar.group("tail") + eol
            return end
        indent = re.match(r"^[ \t]*", lines[block[0]]).group()
        last = block[-1]
        new = [f"{indent}- {name}{newline}" for name in quoted]
        if not lines[last].endswith(("\n", "\r")):
            lines[last] += newline
        lines[last + 1:last + 1] = new
        return end + len(new)
    return None  # a mapping, an anchor, a multi-line flow list: not extended by a line edit


def _block_items(lines: list[str], at: int, end: int) -> list[int]:
    """The lines of the block list under the key at `at`: its '- ' items and what continues them."""
    found: list[int] = []
    for i in range(at + 1, end):
        stripped = lines[i].strip()
        if re.match(r"^[ \t]*- ", lines[i]) or stripped == "-":
            found.append(i)
        elif not stripped or stripped.startswith("#"):
            continue
        elif lines[i][:1] in (" ", "\t") and found:  # a continued item
            found.append(i)
        else:
            break
    return found


_PLAIN = re.compile(r"[^\W\d_][\w .’'-]*[\w.’]", re.UNICODE)
_YAML_WORDS = {"yes", "no", "true", "false", "on", "off", "null", "y", "n", "~"}


def _yaml_text(name: str) -> str:
    """`name` as YAML text in a flow or block list: plain when that reads back as the same text."""
    if _PLAIN.fullmatch(name) and name.lower() not in _YAML_WORDS and ": " not in name and " #" not in name:
        return name
    return json.dumps(name, ensure_ascii=False)  # a JSON string is a YAML double-quoted one
