"""Shared test settings: property-test profiles, and every async test on both event loops."""

import asyncio
import os
from collections.abc import Callable, Mapping

import pytest
import uvloop
from hypothesis import settings

# The suite replays the same examples every run (CI must not turn red at random);
# HYPOTHESIS_PROFILE=soak draws many fresh ones, to hunt for new failures.
settings.register_profile("default", max_examples=150, derandomize=True, deadline=None)
settings.register_profile("soak", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Run every async test on asyncio's own event loop and on uvloop's."""
    return {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}
