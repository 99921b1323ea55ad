"""Alembic migrations of the schema in :mod:`storage.models`; run them with :mod:`storage.migrate`."""
