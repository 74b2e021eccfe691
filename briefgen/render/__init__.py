"""From the model to bytes: Markdown bodies, the theme, pages, feeds, sitemap and robots."""
