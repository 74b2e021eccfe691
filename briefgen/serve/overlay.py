"""What serve adds to every HTML page it answers with: the live-reload script, and the errors of a failed build.

Both are added at response time (see `inject`), so no built file ever contains them. Their text is
in assets/, read once when serve starts.
"""

from __future__ import annotations

import html
import json
from importlib.resources import files
from string import Template
from typing import Iterable

from briefgen.errors import Diagnostic
from briefgen.serve.state import PreviewView

_ASSETS = files("briefgen.serve") / "assets"
# $shown: {"session", "generation"} of the page served; $events_path: where the reload events come from.
_LIVE_RELOAD = Template((_ASSETS / "live-reload.js").read_text(encoding="utf-8"))
# $shown: what the page under the overlay is; $items: one <li> per error. The file is kept in short
# lines for reading; they are joined without a break because the overlay shows its text with
# white-space:pre-wrap, where a line break between two tags would show as an empty line.
_ERROR_OVERLAY = Template("".join((_ASSETS / "error-overlay.html").read_text(encoding="utf-8").splitlines()) + "\n")


def live_reload_script(view: PreviewView, events_path: str) -> str:
    """Reloads the page when a build finishes after this page was served (or the server restarted).

    A hidden tab closes its event stream and reopens it when shown again (the
    first event then says whether the page is stale): browsers allow only six
    connections per host, and a dozen open preview tabs must not use them all.
    """
    shown = json.dumps({"session": view.session, "generation": view.generation})
    script = _LIVE_RELOAD.substitute(shown=shown, events_path=events_path)
    return f"<script data-briefgen-live-reload>\n{script}</script>\n"


def error_overlay(errors: Iterable[Diagnostic], has_site: bool) -> str:
    items = "".join(f'<li style="margin:0 0 .4em">{html.escape(str(d))}</li>' for d in errors)
    shown = "This is the last good version of the page." if has_site else "There is no good build to show yet."
    return _ERROR_OVERLAY.substitute(shown=shown, items=items)


def inject(page: bytes, addition: str) -> bytes:
    """Put `addition` before the last </body>, or at the end of a page without one."""
    lowered = page.lower()
    at = lowered.rfind(b"</body>")
    extra = addition.encode("utf-8")
    return page + extra if at < 0 else page[:at] + extra + page[at:]
