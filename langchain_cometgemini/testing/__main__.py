"""Run the Gemini emulator in the foreground.

Usage::

    python -m langchain_cometgemini.testing [--port N] [--api-key K] [--no-auth]

The first line of stdout is the base URL, the second the key it expects (as
``export`` lines a shell can paste); the server runs until interrupted. A busy
or invalid port is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
import threading

from langchain_cometgemini.testing import GeminiEmulator

PROG = "python -m langchain_cometgemini.testing"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog=PROG)
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind")
    parser.add_argument("--port", default="0", help="port (0: any free)")
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


def port_number(value: str) -> int:
    """Return ``value`` as a TCP port number.

    Raises:
        ValueError: Not an integer between 0 and 65535.
    """
    if not value.strip().isdigit() or not 0 <= int(value) <= 65535:
        raise ValueError(f"invalid port {value!r}: give a number from 0 to 65535")
    return int(value)


def main(argv: list[str] | None = None) -> int:
    """Start the emulator, print its base URL and key, serve until interrupted."""
    args = parse_args(argv)
    try:
        port = port_number(args.port)
        emulator = GeminiEmulator(
            api_key=None if args.no_auth else args.api_key,
            host=args.host,
            port=port,
            check_signatures=not args.no_signature_check,
        )
        emulator.start()
    except (ValueError, OverflowError, OSError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        where = f"{args.host}:{args.port}"
        if isinstance(exc, ValueError) and str(exc).startswith("invalid port"):
            sys.stderr.write(f"{PROG}: error: {exc}\n")
        else:
            sys.stderr.write(f"{PROG}: error: cannot listen on {where}: {reason}\n")
        return 2
    sys.stdout.write(emulator.base_url + "\n")
    if args.no_auth:
        sys.stdout.write("no API key is checked (--no-auth)\n")
    else:
        sys.stdout.write(
            f"export COMETAPI_BASE_URL={emulator.base_url} "
            f"COMETAPI_KEY={args.api_key}\n"
        )
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
