"""``python -m fixtures_builder``: the same as ``waterrai-fixtures``."""

import sys

from fixtures_builder.cli import main

sys.exit(main())
