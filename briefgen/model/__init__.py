"""The site model made from documents: entities and their names, relations, the Site record."""
