"""The GitHub Actions route: a workflow that builds the site and deploys it with GitHub's own actions.

`briefgen new site` writes it into every new site; the repository's own copy
is `workflow_text('.')`.
"""

from __future__ import annotations

import json

from briefgen import __version__

WORKFLOW_PATH = ".github/workflows/pages.yml"

_WORKFLOW = """\
# Builds the site and deploys it to GitHub Pages with the official actions.
# In the repository's Settings > Pages, set "Source" to "GitHub Actions".
name: Publish to GitHub Pages

on:
  push:
    branches: [main]  # the branch the site's sources are on
  workflow_dispatch:  # and the "Run workflow" button

permissions:
  contents: read
  pages: write
  id-token: write

concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
{defaults}    steps:
      - uses: actions/checkout@v5
      - uses: actions/setup-python@v6
        with:
          python-version: "3.12"
      - id: pages
        uses: actions/configure-pages@v6
      - name: Install briefgen
{install}
      - name: briefgen's cache (restored here, saved when the job succeeds)
        uses: actions/cache@v5
        with:
          path: {cache_path}
          # A new key on every run, so the cache is saved after every build (a key that
          # exists is never saved again); restore-keys brings back the latest saved.
          key: briefgen-${{{{ runner.os }}}}-${{{{ github.run_id }}}}-${{{{ github.run_attempt }}}}
          restore-keys: briefgen-${{{{ runner.os }}}}-
      - name: Build
        # configure-pages gives the address Pages serves the site at: for a project
        # site https://<user>.github.io/<repository>, for a custom domain its root.
        # --cache-pages keeps the built pages in the cache too: the next run, on a fresh
        # checkout without _site/, renders only what changed.
        run: briefgen build --cache-pages --out _site --base-url "${{{{ steps.pages.outputs.base_url }}}}/"
      - uses: actions/upload-pages-artifact@v5
        with:
          path: {site_path}
          # Keep .nojekyll and .well-known/: since v4 the action leaves out dotfiles unless told.
          include-hidden-files: true

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v5
"""


_PINNED = """\
        # The briefgen that made this site, so that a new release never changes the
        # published site unasked. To upgrade: pip install -U briefgen on your machine,
        # build and look at the site, then put the version `briefgen --version` prints here.
        run: python -m pip install "briefgen=={version}"\
"""
_CHECKOUT = """\
        # The briefgen of this checkout: the site is built by the code beside it.
        run: python -m pip install .\
"""


_IN_A_FOLDER = """\
    defaults:
      run:
        working-directory: {folder}  # the site's folder in the repository
"""


def workflow_text(install: str | None = None, folder: str = ".") -> str:
    """The workflow file. It installs the briefgen that writes it, pinned (`install` None, a new site's), or
    the checkout it is in (`install` '.', briefgen's own repository, whose sample site it publishes). A site
    in a folder of its repository (`folder`, relative to the repository's top, where GitHub looks for
    workflows) is built there."""
    step = _CHECKOUT if install == "." else _PINNED.format(version=install or __version__)
    inside = folder not in ("", ".")
    prefix = f"{folder}/" if inside else ""
    return _WORKFLOW.format(install=step, defaults=_IN_A_FOLDER.format(folder=_yaml_path(folder)) if inside else "",
                            cache_path=_yaml_path(f"{prefix}.briefgen-cache"), site_path=_yaml_path(f"{prefix}_site"))


def _yaml_path(folder: str) -> str:
    """A folder's path as a plain YAML scalar when it is one (letters, digits, - _ . /), else a JSON string,
    which YAML reads as the same text whatever it holds."""
    plain = all(c.isalnum() and c.isascii() or c in "-_./" for c in folder) and not folder.startswith("-")
    return folder if plain else json.dumps(folder)
