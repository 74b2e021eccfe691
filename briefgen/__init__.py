"""briefgen: a static site generator for briefing pages."""

__version__ = "0.1.0"

__all__ = ["__version__", "build", "BuildResult", "load_config", "SiteConfig", "BuildError", "Diagnostic"]

_EXPORTS = {"build": "briefgen.pipeline", "BuildResult": "briefgen.pipeline", "load_config": "briefgen.config",
            "SiteConfig": "briefgen.config", "BuildError": "briefgen.errors", "Diagnostic": "briefgen.errors"}


def __getattr__(name: str):
    # Imported when first asked for, not with the package: the command line starts by importing
    # briefgen.__main__ alone, so that a Ctrl-C while the rest loads still ends cleanly (see run()).
    if name in _EXPORTS:
        import importlib
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'briefgen' has no attribute {name!r}")
