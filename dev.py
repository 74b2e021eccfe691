#!/usr/bin/env python3
"""Set up a virtual environment and run a project task; needs only Python 3.11+.

    python3 dev.py site    # install briefgen in .venv and build the sample site into _site/
    python3 dev.py test    # install briefgen with its test tools and run the whole test suite
    python3 dev.py serve   # preview the sample site at http://127.0.0.1:8000/
    python3 dev.py bench   # run the benchmark (see benchmarks/README in the README)
    python3 dev.py messages  # rewrite themes/default/translations/messages.pot from the templates and code
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"


def ensure_environment(extras: str) -> None:
    """Create .venv and install briefgen (editable) when pyproject.toml has changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"briefgen needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("Creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = f".[{extras}]" if extras else "."
    print(f"Installing briefgen{f' with {extras} tools' if extras else ''} into .venv …", flush=True)
    subprocess.run([str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-e", target], cwd=ROOT, check=True)
    STAMP.write_text(wanted)


def run(*args: str) -> int:
    return subprocess.call(list(args), cwd=ROOT)


def main(argv: list[str]) -> int:
    task = argv[0] if argv else "help"
    rest = argv[1:]
    if task == "site":
        ensure_environment("test")
        return run(str(BIN / "briefgen"), "build", *rest)
    if task == "test":
        ensure_environment("test")
        return run(str(BIN / "python"), "-m", "pytest", *rest)
    if task == "serve":
        ensure_environment("test")
        return run(str(BIN / "briefgen"), "serve", *rest)
    if task == "messages":
        ensure_environment("")
        return run(str(BIN / "python"), "-m", "briefgen.render.theme_texts", *rest)
    if task == "bench":
        ensure_environment("test,bench")
        return run(str(BIN / "python"), "benchmarks/bench.py", *rest)
    print(__doc__)
    return 0 if task in ("help", "-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
