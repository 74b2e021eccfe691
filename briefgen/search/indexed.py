"""What Pagefind is given of a page: its head and the elements a template marked to be found.

Only this part of a page decides its search record, so a shard whose pages
changed elsewhere (a related list showing a new title) is not indexed again.
Of the head, Pagefind reads the <title> and the data-pagefind-* attributes
of any element (and the <html> tag's lang): its <meta>, <link>, <script> and
<style> elements without such an attribute are left out too, so that an
entity page whose description counts one briefing more ("Leader: X. 285
briefings.") does not send its whole taxonomy's shard to be indexed again.
"""

from __future__ import annotations

import re

# Templates put this attribute on the main content of what should be found
# (briefings and the first page of each entity); Pagefind indexes nothing else.
INDEX_MARKER = b"data-pagefind-body"
_BODY_TAG = re.compile(rb"<body(?=[\s>])[^>]*>", re.IGNORECASE)
_MARKED_TAG = re.compile(rb"<([a-z][a-z0-9-]*)(?=[\s/>])[^>]*?\sdata-pagefind-body(?=[\s=/>])[^>]*>", re.IGNORECASE)
# In the head: a <meta> or <link> tag (quoted values may hold ">"), or a <script> or <style> element.
_HEAD_NOISE = re.compile(rb"""<(?:meta|link)\b(?:[^>"']|"[^"]*"|'[^']*')*>|(<(script|style)\b(?:[^>"']|"[^"]*"|'[^']*')*>)"""
                         rb".*?</\2\s*>", re.IGNORECASE | re.DOTALL)
_IGNORED_TAG = re.compile(
    rb"<([a-z][a-z0-9-]*)(?=[\s/>])[^>]*?\sdata-pagefind-ignore\s*=\s*[\"']?all[\"']?(?=[\s/>])[^>]*>", re.IGNORECASE)


def indexed_part(page: bytes) -> bytes:
    """What Pagefind is given of a page: its head and the elements marked data-pagefind-body, without
    those inside them marked data-pagefind-ignore="all" (which Pagefind would not look at anyway).

    Nothing else of a page can change its search record then: a page whose
    related list shows a new title leaves its shard as it was. A page whose
    marked element has no end found is given whole.
    """
    body = _BODY_TAG.search(page)
    if body is None:
        return page
    parts, position = [_HEAD_NOISE.sub(_unread_by_pagefind, page[:body.end()])], body.end()
    while (marked := _MARKED_TAG.search(page, position)) is not None:
        end = _element_end(page, marked.group(1), marked.end())
        if end is None:
            return page
        parts.append(_without_ignored(page[marked.start():end]))
        position = end
    return b"\n".join(parts) + b"\n</body>\n</html>\n"


def _unread_by_pagefind(match: re.Match) -> bytes:
    """Nothing for a head element Pagefind does not read; the element itself if a data-pagefind-* attribute
    is in its start tag."""
    start_tag = match.group(1) or match.group()
    return match.group() if b"data-pagefind-" in start_tag.lower() else b""


def _without_ignored(element: bytes) -> bytes:
    kept, position = [], 0
    while (ignored := _IGNORED_TAG.search(element, position)) is not None:
        end = _element_end(element, ignored.group(1), ignored.end())
        if end is None:  # given as it is
            break
        kept.append(element[position:ignored.start()])
        position = end
    kept.append(element[position:])
    return b"".join(kept)


def _element_end(page: bytes, name: bytes, position: int) -> int | None:
    """Where the element whose start tag ends at `position` ends, counting elements of its name inside it."""
    tags = re.compile(rb"<(/?)" + re.escape(name) + rb"(?=[\s/>])[^>]*>", re.IGNORECASE)
    depth = 1
    for tag in tags.finditer(page, position):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return tag.end()
    return None
