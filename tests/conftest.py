"""Hypothesis profiles, chosen by ``HYPOTHESIS_PROFILE``.

- ``ci`` (the default): the same examples on every run and no example database, so the
  suite gives the same verdict on every machine; no deadline, since shared machines stall.
- ``dev``: fresh random examples on every run, failures replayed from the local database.
  Use it to hunt for new failures: ``HYPOTHESIS_PROFILE=dev scripts/test -m "not slow"``.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
