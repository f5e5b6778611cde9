"""Fixtures of the in-process web tier."""
from __future__ import annotations

import pytest

from tests.conftest import make_test_app


@pytest.fixture
def la_app(database_url, tmp_path):
    """The app with the program's time zone in Los Angeles (``REFLECT_TIMEZONE``):
    UTC-8 in winter, UTC-7 in summer, a day behind UTC in the evening."""
    app = make_test_app(database_url, tmp_path / "instance", REFLECT_TIMEZONE="America/Los_Angeles")
    from reflect.extensions import limiter

    limiter.reset()
    yield app
    app.extensions["reflect.store"].engine.dispose()
