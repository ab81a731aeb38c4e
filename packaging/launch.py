"""The bundle's entry point: the same as ``factor-desk`` and ``python -m factor_desk``."""

import sys

if __name__ == "__main__":
    # First thing: in a frozen program a worker process (the window's jobs, a download's
    # pool) starts this same executable, and freeze_support() turns it into the worker
    # there instead of a second Factor Desk.
    import multiprocessing

    multiprocessing.freeze_support()
    from factor_desk.cli import main

    sys.exit(main())
