"""Shared fixtures: real registers in temporary folders, with cheap password hashing.

The fixtures live in ``tests/helpers/fixtures.py`` and the helpers beside it; test modules import
helpers from ``tests.helpers``, never from each other."""

from __future__ import annotations

import os

os.environ["OUTPOST_ARGON2_PROFILE"] = "test"  # before anything hashes a password

pytest_plugins = ["tests.helpers.fixtures"]
