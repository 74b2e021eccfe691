"""Reading the site's sources: scanning content/, splitting front matter, parsing documents."""
