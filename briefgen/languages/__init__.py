"""Multilingual sites: several languages in site.yaml, translations beside their originals, a tree per language.

  settings.py  site.yaml's `languages:` (the default language first)
  files.py     which content files are translations (`x.ru.md`, a bundle's `index.ru.md`) and of what
  merge.py     a translation's document: its original's, with the fields the translation gives
  trees.py     each language's tree: its config, its pages' paths, and the alternates of a page
  build.py     the build of a multilingual site: one pipeline build per language, one site

A site of one language never enters build.py: its build is the pipeline's, unchanged.
"""
