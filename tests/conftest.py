"""Shared fixtures: real registers in temporary folders, with cheap password hashing.

The fixtures live in ``tests/helpers/fixtures.py`` and the helpers beside it; test modules import
helpers from ``tests.helpers``, never from each other.

The property-based tests (``test_properties_*.py``, hypothesis) run under the profile ``ci`` unless
``OUTPOST_HYPOTHESIS_PROFILE`` names another: ``ci`` draws the same few examples on every run (so a
failure in CI fails again on a laptop) and bounds the suite's time; ``fuzz`` (``make fuzz``) draws many
new ones each run. ``OUTPOST_FUZZ_EXAMPLES`` sets the number of examples per test in either."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

os.environ["OUTPOST_ARGON2_PROFILE"] = "test"  # before anything hashes a password

pytest_plugins = ["tests.helpers.fixtures"]

_EXAMPLES = os.environ.get("OUTPOST_FUZZ_EXAMPLES")
# Examples are imports into real registers (tens of milliseconds each), not pure functions: no deadline,
# and the module-scoped registers are meant to be shared by every example.
_COMMON = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
}
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    max_examples=int(_EXAMPLES or 50),
    print_blob=True,
    **_COMMON,
)
settings.register_profile("fuzz", max_examples=int(_EXAMPLES or 2000), print_blob=True, **_COMMON)
settings.load_profile(os.environ.get("OUTPOST_HYPOTHESIS_PROFILE", "ci"))
