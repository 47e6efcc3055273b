"""``python -m derive`` runs the command line."""

from __future__ import annotations

import sys

from derive.cli import main

sys.exit(main())
