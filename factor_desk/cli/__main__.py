"""``python -m factor_desk.cli``: the same as ``factor-desk``."""

import sys

from factor_desk.cli import main

sys.exit(main())
