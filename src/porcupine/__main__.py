"""``python -m porcupine``: see :mod:`porcupine.cli`."""

import sys

from porcupine.cli import main

sys.exit(main())
