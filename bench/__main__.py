"""``python -m bench [--quick] [--out PATH]``: run the benchmark suite."""

from __future__ import annotations

import sys

from .suite import main

sys.exit(main())
