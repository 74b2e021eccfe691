"""messages.pot: every text of the default theme, extracted from its templates and from the render code.

    python3 dev.py messages        # rewrite themes/default/translations/messages.pot
    python -m briefgen.render.theme_texts [--check]

Templates are read with Jinja2's Babel extractor (`_()`, `ngettext()`, `{% trans %}`); Python with Babel's,
which finds `gettext()`, `ngettext()` and `N_()` calls (render/words.py). tests/test_theme_languages.py fails
when the file in the repository is not what this writes.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import write_po

PACKAGE = Path(__file__).resolve().parents[1]
REPOSITORY = PACKAGE.parent
THEME = REPOSITORY / "themes" / "default"
POT = THEME / "translations" / "messages.pot"
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
# The render code's own options are the templates' (render/theme.py), so that whitespace is extracted as it renders.
JINJA_OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true", "newstyle_gettext": "true"}


def extract() -> Catalog:
    catalog = Catalog(project="briefgen default theme", fuzzy=False, header_comment=_HEADER)
    sources = (
        (THEME, [("templates/**.html", "jinja2.ext:babel_extract")], {"templates/**.html": JINJA_OPTIONS}),
        (PACKAGE / "render", [("**.py", "python")], {}),
    )
    for folder, method_map, options in sources:
        for filename, lineno, message, comments, context in extract_from_dir(
                str(folder), method_map, options, keywords=KEYWORDS, comment_tags=("Translators:",)):
            where = (folder / filename).relative_to(REPOSITORY).as_posix()
            catalog.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    return catalog


def pot_text(catalog: Catalog) -> str:
    """The catalog as messages.pot has it: without line numbers or a creation date, so that it changes only
    when a text does."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=False, sort_output=True)
    return "\n".join(line for line in buffer.getvalue().decode("utf-8").splitlines()
                     if not line.startswith(('"POT-Creation-Date:', '"Generated-By:'))) + "\n"


_HEADER = """\
# The texts of briefgen's default theme. Do not edit: made by `python3 dev.py messages`.
# Copy it to <language>.po to translate the theme (see the README, "Translations")."""


def main(argv: list[str]) -> int:
    text = pot_text(extract())
    if "--check" in argv:
        if POT.read_text(encoding="utf-8") != text:
            print(f"{POT.relative_to(REPOSITORY)} is out of date: run python3 dev.py messages.", file=sys.stderr)
            return 1
        return 0
    POT.parent.mkdir(parents=True, exist_ok=True)
    POT.write_text(text, encoding="utf-8")
    print(f"Wrote {len(extract())} texts to {POT.relative_to(REPOSITORY)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
