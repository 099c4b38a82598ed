"""Fixtures for real worker processes (see tests/processes.py)."""

from tests.processes import redis_db, workers  # noqa: F401  (fixtures, registered by being imported here)
