"""`python -m briefgen` and the `briefgen` command."""

import sys


def run() -> None:
    try:
        from briefgen.cli import main
    except KeyboardInterrupt:  # Ctrl-C while briefgen was still loading: nothing had started
        sys.stderr.write("Interrupted.\n")
        raise SystemExit(130) from None
    main()


if __name__ == "__main__":
    run()
