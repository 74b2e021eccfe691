"""Links to pages in bodies: each @/x.md link and [[wikilink]] given its URL from the LinkResolver (links.py),
or a located error; the walk over a body's tokens that hands links to files and images to targets.py and
raw HTML to rawtargets.py, and records in the body's MentionLog what each link points at."""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it.token import Token

from briefgen.errors import Diagnostic, Severity
from briefgen.model.entities import normalise_name
from briefgen.model.mentions import MentionLog
from briefgen.names import did_you_mean
from briefgen.render.excerpts import BlockText
from briefgen.render.links import LinkResolver, LinkTarget
from briefgen.render.rawtargets import RawTargets
from briefgen.render.targets import TargetContext, resolve_href, resolve_image, target_line


@dataclass(frozen=True, slots=True)
class FileTargets:
    """The files a build's bodies may point at (images/assets.AssetTable) and how images are processed."""

    assets: object  # AssetTable
    settings: object  # ImageSettings

    def context(self, rel: str, resolver: LinkResolver, problems: list, featured: bool) -> TargetContext:
        def page_link(content_path: str, line: int) -> str | None:
            target = _resolve_file_link("@/" + content_path, rel, line, resolver, problems)
            return None if target is None else _target_url(resolver, target)
        return TargetContext(rel, resolver.url_prefix, self.assets, self.settings, page_link, problems, featured)


def resolve_links(tokens: list[Token], rel, body_line: int, resolver: LinkResolver, problems: list,
                  log: MentionLog | None = None, files: TargetContext | None = None) -> None:
    """Give each @/ link and [[wikilink]] in `tokens` its URL (or "#"), and each that points nowhere a
    diagnostic with its file line in `problems`; what each points at is recorded in `log`; with `files`,
    links to files and images too."""
    raw = RawTargets(files) if files is not None else None  # raw <img> and <a>, in document order
    for block_index, block in enumerate(tokens):
        if block.type == "html_block" and raw is not None:
            raw.resolve(block, body_line + (block.map[0] if block.map else 0))
            continue
        if block.type != "inline" or not block.children:
            continue
        line = body_line + (block.map[0] if block.map else 0)
        if files is not None:
            _resolve_files(tokens, block_index, line, files, raw)
        text = None
        for index, token in enumerate(block.children):
            if token.type != "link_open":
                continue
            if "wikilink" in token.meta:
                target_line = line + token.meta["line_offset"]
                target = _resolve_wikilink(token.meta["wikilink"], rel, target_line, resolver, problems)
            else:
                href = str(token.attrs.get("href", ""))
                if not href.startswith("@/") or (files is not None and not href.partition("#")[0].endswith(".md")):
                    continue  # a file or an image: _resolve_files' own
                offset = block.content.find(href)
                target_line = line + (block.content.count("\n", 0, offset) if offset > 0 else 0)
                target = _resolve_file_link(href, rel, target_line, resolver, problems)
            token.attrs["href"] = "#" if target is None else _target_url(resolver, target)
            if target is not None and log is not None:
                text = text or BlockText(block.children, line)
                _record_link(log, resolver, target[0], text, index + 1, target_line)


def _target_url(resolver: LinkResolver, target: tuple[LinkTarget, str]) -> str:
    return resolver.url(target[0]) + (f"#{target[1]}" if target[1] else "")


def _record_link(log: MentionLog, resolver: LinkResolver, target: LinkTarget, text: BlockText, index: int,
                 line: int) -> None:
    """An explicit link's target: an entity mentioned, or a document linked to."""
    key = resolver.entity_at.get(target.site_path)
    if key is None:
        log.link(target.origin)
    elif index < len(text.children):
        child = text.children[index]
        log.entity(key, child.content, text.excerpt(index, 0, len(child.content)), line)


def _resolve_files(tokens: list[Token], index: int, line: int, files: TargetContext, raw: RawTargets) -> None:
    """Links to files and pages by path (not @/x.md, done by resolve_links), images and raw HTML's <img> and
    <a>, in one inline block. An image alone in its paragraph with a caption or credit becomes a <figure>,
    in place of the <p>."""
    block = tokens[index]
    children = [c for c in block.children if not (c.type == "text" and not c.content.strip())]
    alone = len(children) == 1 and children[0].type == "image"
    raw_offset, direct = 0, None
    for token in _all_children(block.children):
        if token.type == "html_inline":
            direct = direct or {id(child) for child in block.children}
            if id(token) in direct:  # not in an image's alt text, which is written as text
                raw_offset = max(block.content.find(token.content, raw_offset), raw_offset)
                raw.resolve(token, line + block.content.count("\n", 0, raw_offset))
        elif token.type == "image":
            resolve_image(token, target_line(block, line, str(token.attrs.get("src", ""))), files, alone)
            if alone and "<figure" in (token.meta or {}).get("html", "") and 0 < index < len(tokens) - 1 \
                    and tokens[index - 1].type == "paragraph_open":
                tokens[index - 1].hidden = tokens[index + 1].hidden = True  # no <p> around the <figure>
        elif token.type == "link_open" and "wikilink" not in (token.meta or {}):
            href = str(token.attrs.get("href", ""))
            if href.startswith("@/") and href.partition("#")[0].endswith(".md"):
                continue  # resolve_links' own
            resolved = resolve_href(href, target_line(block, line, href), files)
            token.attrs["href"] = "#" if resolved is None else resolved


def _all_children(children: list[Token]):
    for token in children:
        yield token
        if token.children:  # an image's alt text may hold another image
            yield from _all_children(token.children)


def _resolve_file_link(href: str, rel, line: int, resolver: LinkResolver, problems: list
                       ) -> tuple[LinkTarget, str] | None:
    """(target, anchor) of an @/ link, or None with a problem."""
    path, _, anchor = href[2:].partition("#")
    target = resolver.by_file.get(path)
    if target is None and path.endswith(".md"):  # x.md made a bundle: x/index.md, linked as before
        target = resolver.by_file.get(path[:-3] + "/index.md")
    if target is None:
        hint = did_you_mean(path, resolver.by_file) or "The path is relative to content/, e.g. @/briefings/first-call.md."
        problems.append(Diagnostic(rel, line, f"the link '{href}' points at no content file.", hint))
        return None
    return target, anchor


def _resolve_wikilink(target_text: str, rel, line: int, resolver: LinkResolver, problems: list
                      ) -> tuple[LinkTarget, str] | None:
    if target_text.startswith("@/"):
        return _resolve_file_link(target_text, rel, line, resolver, problems)
    name, _, anchor = target_text.partition("#")
    section = None
    if "/" in name:
        section, _, name = name.partition("/")
    candidates = list(resolver.by_title.get(normalise_name(name), ()))
    if section is not None:
        candidates = [c for c in candidates if c.site_path.startswith(section + "/")]
    if len(candidates) == 1:
        return candidates[0], anchor
    if not candidates:
        known = {t.label for targets in resolver.by_title.values() for t in targets}
        hint = did_you_mean(name, known) or "Link to an entity by its name or alias, or to a briefing by its title."
        literal = f"To show the brackets as typed, not as a link, write \\[[{target_text}]]."
        problems.append(Diagnostic(rel, line, f"[[{target_text}]] matches no entity or page.", f"{hint} {literal}"))
        return None
    listed = "; ".join(f"{c.label} ({c.origin}, /{c.site_path})" for c in candidates)
    first_section = candidates[0].site_path.split("/")[0]
    problems.append(Diagnostic(
        rel, line, f"[[{target_text}]] is ambiguous: it could be {listed}.",
        f"Name the section, e.g. [[{first_section}/{name}]], or link the file with @/.", Severity.ERROR,
    ))
    return None
