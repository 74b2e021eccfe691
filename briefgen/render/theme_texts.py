"""messages.pot: every text of the default theme, extracted from its templates and from the render code.

    python3 dev.py messages        # rewrite messages.pot, and bring every <language>.po beside it up to date
    python -m briefgen.render.theme_texts [--check]

Templates are read with Jinja2's Babel extractor (`_()`, `ngettext()`, `{% trans %}`); Python with Babel's,
which finds `gettext()`, `ngettext()` and `N_()` calls (render/words.py). Each shipped catalog then gets the
new texts, empty, and loses those no longer used (what `pybabel update` does), its translations kept.
tests/test_theme_languages.py fails when the files in the repository are not what this writes.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

PACKAGE = Path(__file__).resolve().parents[1]
REPOSITORY = PACKAGE.parent
THEME = REPOSITORY / "themes" / "default"
POT = THEME / "translations" / "messages.pot"
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
# The render code's own options are the templates' (render/theme.py), so that whitespace is extracted as it renders.
JINJA_OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true", "newstyle_gettext": "true"}


def extract(theme: Path = THEME, code: Path = PACKAGE / "render", shown_from: Path = REPOSITORY) -> Catalog:
    """The texts of `theme`'s templates and of the Python files in `code`, located relative to `shown_from`."""
    catalog = Catalog(project="briefgen default theme", fuzzy=False, header_comment=_HEADER)
    sources = (
        (theme, [("templates/**.html", "jinja2.ext:babel_extract")], {"templates/**.html": JINJA_OPTIONS}),
        (code, [("**.py", "python")], {}),
    )
    for folder, method_map, options in sources:
        for filename, lineno, message, comments, context in extract_from_dir(
                str(folder), method_map, options, keywords=KEYWORDS, comment_tags=("Translators:",)):
            where = (folder / filename).relative_to(shown_from).as_posix()
            catalog.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    return catalog


def pot_text(catalog: Catalog) -> str:
    """The catalog as messages.pot and the .po files have it: without line numbers, dates or Babel's version,
    so that it changes only when a text does."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=False, sort_output=True, ignore_obsolete=True)
    return "\n".join(line for line in buffer.getvalue().decode("utf-8").splitlines()
                     if not line.startswith(_UNSTABLE_HEADERS)) + "\n"


_UNSTABLE_HEADERS = ('"POT-Creation-Date:', '"PO-Revision-Date:', '"Generated-By:')


def updated_catalogs(template: Catalog) -> dict[Path, str]:
    """Each shipped <language>.po's text with `template`'s texts: new ones empty, gone ones dropped."""
    updated = {}
    for path in sorted(POT.parent.glob("*.po")):
        with path.open("rb") as file:
            catalog = read_po(file)
        catalog.update(template, no_fuzzy_matching=True)
        updated[path] = pot_text(catalog)
    return updated


_HEADER = """\
# The texts of briefgen's default theme. Do not edit: made by `python3 dev.py messages`.
# Copy it to <language>.po to translate the theme (see the README, "Translations")."""


def main(argv: list[str]) -> int:
    template = extract()
    files = {POT: pot_text(template), **updated_catalogs(template)}
    stale = [path for path, text in files.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    if "--check" in argv:
        for path in stale:
            print(f"{path.relative_to(REPOSITORY)} is out of date: run python3 dev.py messages.", file=sys.stderr)
        return 1 if stale else 0
    POT.parent.mkdir(parents=True, exist_ok=True)
    for path in stale:
        path.write_text(files[path], encoding="utf-8")
    print(f"{len(template)} texts; rewrote {', '.join(p.name for p in stale) or 'nothing: all up to date'}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
