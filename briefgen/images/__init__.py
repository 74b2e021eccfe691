"""Images and other files beside the Markdown: where they are, what size, and their resized copies.

  assets.py    every file a body or front matter may point at (a bundle's files, static/), by the
               paths a writer may use, and where each is published
  probe.py     an image's kind, width and height, read once per content digest and kept in the cache
  variants.py  the names and widths of an image's resized copies (pure: no file is opened)
  resize.py    making the missing copies in the cache folder, on every core when there are many
  html.py      the <img>/<picture>/<figure> markup of a body's or a page's image
"""
