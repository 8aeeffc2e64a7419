"""``python -m langchain_cometgemini``: the ``cometgemini`` command."""

from langchain_cometgemini.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
