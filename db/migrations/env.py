"""Alembic environment: always run in code with a connection handed over by ``db.migrate``."""

from __future__ import annotations

from alembic import context

from db.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Outpost migrations run through db.migrate, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
    include_name=lambda name, type_, parent: (
        not (type_ == "table" and (name or "").startswith("case_search"))
    ),
)
with context.begin_transaction():
    context.run_migrations()
