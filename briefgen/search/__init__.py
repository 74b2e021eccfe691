"""The full-text search index (Pagefind), made as one step after the pages."""
