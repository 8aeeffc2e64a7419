"""Run the Gemini emulator in the foreground.

Usage::

    python -m langchain_cometgemini.testing [--port N] [--api-key K] [--no-auth]

The first line of stdout is the base URL; the server runs until killed.
"""

from __future__ import annotations

import argparse
import sys
import threading

from langchain_cometgemini.testing import GeminiEmulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="python -m langchain_cometgemini.testing")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free)")
    parser.add_argument("--api-key", default="test-key", help="expected API key")
    parser.add_argument(
        "--no-auth", action="store_true", help="accept requests without a key"
    )
    parser.add_argument(
        "--no-signature-check",
        action="store_true",
        help="do not enforce the Gemini 3 thought-signature rules",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start the emulator, print its base URL and serve until interrupted."""
    args = parse_args(argv)
    emulator = GeminiEmulator(
        api_key=None if args.no_auth else args.api_key,
        host=args.host,
        port=args.port,
        check_signatures=not args.no_signature_check,
    )
    emulator.start()
    sys.stdout.write(emulator.base_url + "\n")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
