"""Write db/migrations/schema_head.json: the schema the migrations create, that every register is
compared with at open and every backup of the newest revision at restore (db/schema.py). Run after adding
a migration; tests/test_migrations.py checks it."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db import schema  # noqa: E402

if __name__ == "__main__":
    schema.write_snapshot()
    print(f"wrote {schema.SNAPSHOT}")
