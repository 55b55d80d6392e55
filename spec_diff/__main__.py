"""``python -m spec_diff diff OLD NEW``: the same as ``waterrai-spec``."""

import sys

from spec_diff.cli import main

sys.exit(main())
