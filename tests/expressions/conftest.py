"""Fixtures for the expression engine tests; none of them needs a database."""

import sys
from pathlib import Path

# Without pytest-django (``-p no:django``) nothing puts the project root on the
# import path; the engine has no Django dependency, so these tests still run.
ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
