"""Alembic environment for the workstation store. Always run with a live connection passed in
``config.attributes["connection"]`` (the encrypted engine); batch mode for SQLite."""

from __future__ import annotations

from typing import Any

from alembic import context

from ld_desktop.store.models import Base

SEARCH_TABLE_PREFIX = "person_search"


def _include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLE_PREFIX))


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    include_object=_include_object,
)
with context.begin_transaction():
    context.run_migrations()
