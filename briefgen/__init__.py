"""briefgen: a static site generator for briefing pages."""

__version__ = "0.1.0"

from briefgen.build import BuildResult, build  # noqa: E402
from briefgen.config import SiteConfig, load_config  # noqa: E402
from briefgen.errors import BuildError, Diagnostic  # noqa: E402

__all__ = ["__version__", "build", "BuildResult", "load_config", "SiteConfig", "BuildError", "Diagnostic"]
