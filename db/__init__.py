"""The register's storage: SQLAlchemy models, engine set-up, search index and migrations."""
