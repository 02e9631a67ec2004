"""Run Outpost with ``python -m cli`` (the same program as the ``outpost`` command)."""

from cli.main import run

run()
