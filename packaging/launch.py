"""The bundle's entry point: the same as ``factor-desk`` and ``python -m factor_desk``."""

import sys

from factor_desk.cli import main

if __name__ == "__main__":
    sys.exit(main())
