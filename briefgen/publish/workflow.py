"""The GitHub Actions route: a workflow that builds the site and deploys it with GitHub's own actions.

`briefgen new site` writes it into every new site; the repository's own copy
is `workflow_text('.')`.
"""

from __future__ import annotations

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
    steps:
      - uses: actions/checkout@v5
      - uses: actions/setup-python@v6
        with:
          python-version: "3.12"
      - id: pages
        uses: actions/configure-pages@v6
      - name: Install briefgen
        run: python -m pip install {install}
      - name: Build
        # configure-pages gives the address Pages serves the site at: for a project
        # site https://<user>.github.io/<repository>, for a custom domain its root.
        run: briefgen build --out _site --base-url "${{{{ steps.pages.outputs.base_url }}}}/"
      - uses: actions/upload-pages-artifact@v5
        with:
          path: _site
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


def workflow_text(install: str = "briefgen") -> str:
    """The workflow file; `install` is what pip installs (the sample site installs itself: '.')."""
    return _WORKFLOW.format(install=install)
