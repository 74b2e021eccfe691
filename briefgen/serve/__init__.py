"""The live preview: a build kept in memory, served over HTTP, rebuilt as files change."""
