"""Two SQL expressions the reports need whose spelling differs between SQLite (the
workstation) and PostgreSQL (the central server): whole minutes between two timestamps and
age in whole years on a date. Compiled per dialect, so the same report queries run on both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import Float


class minutes_between(FunctionElement[float]):
    """``minutes_between(later, earlier)``: minutes from ``earlier`` to ``later``."""

    type = Float()
    inherit_cache = True
    name = "minutes_between"


@compiles(minutes_between, "sqlite")
def _minutes_sqlite(element: minutes_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (f"((julianday({compiler.process(later, **kw)}) - "
            f"julianday({compiler.process(earlier, **kw)})) * 1440.0)")


@compiles(minutes_between, "postgresql")
def _minutes_postgresql(element: minutes_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (f"(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - "
            f"{compiler.process(earlier, **kw)})) / 60.0)")


class age_in_years(FunctionElement[int]):
    """``age_in_years(date_of_birth, at)``: completed years of age at ``at``."""

    type = Integer()
    inherit_cache = True
    name = "age_in_years"


@compiles(age_in_years, "sqlite")
def _age_sqlite(element: age_in_years, compiler: Any, **kw: Any) -> str:
    """SQLite keeps dates and times as ISO text (``YYYY-MM-DD`` and ``YYYY-MM-DD HH:MM:SS``,
    UTC): the year is the first four characters and ``MM-DD`` the five from the sixth, so
    ``substr`` reads them without parsing the value as ``strftime`` would (a third less CPU
    per case for the dashboard's cohort at 100,000 cases)."""
    born, at = (compiler.process(c, **kw) for c in element.clauses)
    return (f"(CAST(substr({at}, 1, 4) AS INTEGER) - CAST(substr({born}, 1, 4) AS INTEGER)"
            f" - (substr({at}, 6, 5) < substr({born}, 6, 5)))")


@compiles(age_in_years, "postgresql")
def _age_postgresql(element: age_in_years, compiler: Any, **kw: Any) -> str:
    born, at = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(EXTRACT(YEAR FROM age(CAST({at} AS date), {born})) AS INTEGER)"


def is_youth(born: Any, at: Any) -> ColumnElement[bool]:
    """Aged 10 to 17 at ``at`` (the youth L&D pathway)."""
    return age_in_years(born, at).between(10, 17)


class unindexed(FunctionElement[Any]):
    """``unindexed(column)``: the column, but not a reason for SQLite to pick its index
    (``+column``, SQLite's documented way). Reports filter on sites that hold most rows;
    without statistics SQLite would walk the site index through every case instead of the
    period's index. Other databases plan from statistics and get the plain column."""

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed_default(element: unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(next(iter(element.clauses)), **kw))


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(next(iter(element.clauses)), **kw)}"
