"""The incremental engine."""
