"""Shared test settings."""

import os

from hypothesis import settings

# The suite replays the same examples every run (CI must not turn red at random);
# HYPOTHESIS_PROFILE=soak draws many fresh ones, to hunt for new failures.
settings.register_profile("default", max_examples=150, derandomize=True, deadline=None)
settings.register_profile("soak", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
