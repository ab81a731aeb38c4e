"""Storage: SQLAlchemy models, the engine and sessions, the document store, migrations."""
