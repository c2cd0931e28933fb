"""One hand-written JOIN read into model instances, as `select_related` would build them.

For the few reads on the hottest paths (the ballot page that 500 deputies open at once)
where building the query with the ORM costs more CPU than the database spends answering it
(docs/ballots.md, "Where a cast's time goes"). The statement's text is the caller's, written
once per process; the columns and the conversion of each value (SQLite's dates and JSON
arrive as text) come from the models, exactly as the ORM reads them.

    parts = (Part(Elector, "e"), Part(Poll, "p"))
    sql = f"SELECT {select(parts)}, … FROM … e JOIN … p ON …"   # written once (functools.cache)
    for (elector, poll), rest in fetch(sql, params, parts): …
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model


@dataclass(frozen=True)
class Part:
    """A model read under a table alias of the statement."""

    model: type[Model]
    alias: str


def select(parts: Sequence[Part], using: str = "default") -> str:
    """The select list: every concrete column of each part, in the models' field order."""
    quote = connections[using].ops.quote_name
    return ", ".join(
        f"{part.alias}.{quote(str(field.column))}"
        for part in parts
        for field in part.model._meta.concrete_fields
    )


def _converters(part: Part, using: str) -> list[list[Any]]:
    connection = connections[using]
    out = []
    for field in part.model._meta.concrete_fields:
        column = field.get_col(part.alias)
        out.append(
            [
                (converter, column)
                for converter in connection.ops.get_db_converters(column)
                + column.get_db_converters(connection)
            ]
        )
    return out


_CONVERTERS: dict[tuple[type[Model], str, str], list[list[Any]]] = {}


def build(
    row: Sequence[Any], parts: Sequence[Part], using: str = "default"
) -> tuple[list[Model | None], list[Any]]:
    """The instances of `parts` from one row of `select(parts)` (None for a part whose
    primary key is NULL: a LEFT JOIN that found nothing), and the row's remaining values."""
    connection = connections[using]
    instances: list[Model | None] = []
    at = 0
    for part in parts:
        fields = part.model._meta.concrete_fields
        values = list(row[at : at + len(fields)])
        at += len(fields)
        pk = part.model._meta.pk
        if values[fields.index(pk)] is None:  # type: ignore[arg-type]
            instances.append(None)
            continue
        key = (part.model, part.alias, connection.vendor)
        if key not in _CONVERTERS:
            _CONVERTERS[key] = _converters(part, using)
        for i, converters in enumerate(_CONVERTERS[key]):
            for converter, column in converters:
                values[i] = converter(values[i], column, connection)
        instances.append(part.model.from_db(using, [f.attname for f in fields], values))
    return instances, list(row[at:])


def fetch(
    sql: str, params: Any, parts: Sequence[Part], using: str = "default"
) -> list[tuple[list[Model | None], list[Any]]]:
    """Run the statement and `build` each row: [(instances, remaining values), …]."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [build(row, parts, using) for row in rows]


def relate(instance: Model, name: str, related: Model | None) -> None:
    """Attach `related` as `instance.<name>` (a foreign key read in the same row), as
    `select_related` does: reading it later asks the database nothing."""
    instance._meta.get_field(name).set_cached_value(instance, related)  # type: ignore[union-attr]


def _insert_sql(model: type[Model], names: tuple[str, ...], returning: str, using: str) -> str:
    key = (model, names, returning, using)
    if key not in _INSERTS:
        quote = connections[using].ops.quote_name
        fields = [model._meta.get_field(n) for n in names]
        columns = ", ".join(quote(str(f.column)) for f in fields)  # type: ignore[union-attr]
        marks = ", ".join(["%s"] * len(names))
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
        _INSERTS[key] = f"{sql} RETURNING {quote(returning)}" if returning else sql
    return _INSERTS[key]


_INSERTS: dict[tuple[type[Model], tuple[str, ...], str, str], str] = {}


def save_new(obj: Model, using: str = "default") -> Model:
    """Insert a new `obj` as `save()` would — each field's own preparation (an
    `auto_now_add` time, a default already set on the instance, JSON and dates as the
    database wants them), an automatic primary key read back — by a statement written once
    per process. For the rows written on every submission and ballot, where building the
    ORM's INSERT cost more CPU than the database spends on it. No signals are sent and a
    model's own `save()` is not called (use it for models with neither). A constraint's
    refusal raises Django's IntegrityError, as `save()` does."""
    connection = connections[using]
    meta = obj._meta
    auto = meta.auto_field if obj.pk is None else None
    fields = [f for f in meta.local_concrete_fields if f is not auto]
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    returning = ""
    if auto is not None and connection.features.can_return_columns_from_insert:
        returning = str(auto.column)
    sql = _insert_sql(type(obj), tuple(f.name for f in fields), returning, using)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if auto is not None:
            value = cursor.fetchone()[0] if returning else cursor.lastrowid
            setattr(obj, auto.attname, int(value))
    obj._state.adding = False
    obj._state.db = using
    return obj
