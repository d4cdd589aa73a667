"""``python -m labtools.demo``: see :mod:`labtools.demo.cli`."""

import sys

from labtools.demo.cli import main

sys.exit(main())
