import sys

from factor_desk.cli import main

sys.exit(main())
