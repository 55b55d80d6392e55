"""``python -m validation_proxy``: the same as ``waterrai-proxy``."""

import sys

from validation_proxy.cli import main

sys.exit(main())
