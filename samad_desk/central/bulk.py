"""Bulk SQL on the driver's cursor, for the hot path of a push: many rows written in one
statement (:func:`insert_many`) and many rows read by key (:func:`rows_by_key`).
Building SQLAlchemy expressions per row cost more than the database work."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection


def driver_cursor(conn: Connection) -> Any:
    """A cursor of the driver's own connection under ``conn`` (in its transaction)."""
    raw = conn.connection.driver_connection
    if raw is None:  # only a closed or invalidated connection has none
        raise RuntimeError("the database connection is closed")
    return raw.cursor()


#: PostgreSQL array types of the columns bulk-inserted with insert_many
PG_TYPES = {
    "changes": ("bigint", "text", "text", "text", "int", "text", "text", "text"),
    "sync_ops": ("text", "text", "int", "text", "text", "text", "text", "text", "text", "text",
                 "bigint", "int", "text"),
    "event_chain": ("text", "int", "text", "text", "bigint"),
}


def insert_many(conn: Connection, table: str, cols: tuple[str, ...], rows: list[dict]) -> None:
    """Bulk INSERT in one statement (these run while the change counter's lock is held).

    PostgreSQL: ``INSERT … SELECT * FROM unnest(%s::t[], …)``, one array per column;
    SQLite: multi-row ``VALUES`` in chunks (in-process, no round trips to save)."""
    if not rows:
        return
    if conn.dialect.name != "sqlite" and table in PG_TYPES:
        types = PG_TYPES[table]
        arrays = tuple([r[c] for r in rows] for c in cols)
        # %b: binary arrays; the text format escapes every element with a regex, which
        # cost more than the insert itself for JSON payloads
        casts = ", ".join(f"%b::{t}[]" for t in types)
        cur = driver_cursor(conn)
        cur.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT * FROM unnest({casts})", arrays)
        cur.close()
        return
    one = "(" + ", ".join(["?"] * len(cols)) + ")"
    head = f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
    for i in range(0, len(rows), 200):
        part = rows[i : i + 200]
        params = tuple([r[c] for r in part for c in cols])
        conn.exec_driver_sql(head + ", ".join([one] * len(part)), params)


def rows_by_key(conn: Any, table: str, cols: tuple[str, ...], key: str, values: list[str]) -> list[dict]:
    """Rows of ``table`` whose ``key`` column is one of ``values``, as dicts.

    On PostgreSQL one primary-key probe per value (``unnest`` + ``LATERAL``): with
    ``key IN (…)`` a table without statistics (``sync_ops`` grows by every op, and a
    fresh one has none) was scanned whole for every batch."""
    if not values:
        return []
    names = ", ".join(cols)
    if conn.dialect.name == "sqlite":
        out = []
        for i in range(0, len(values), 500):
            part = values[i : i + 500]
            res = conn.exec_driver_sql(f"SELECT {names} FROM {table} WHERE {key} IN ({', '.join('?' * len(part))})",
                                       tuple(part))
            out += [dict(zip(cols, r, strict=True)) for r in res.fetchall()]
        return out
    cur = driver_cursor(conn)
    try:
        cur.execute(f"SELECT s.* FROM unnest(%s::text[]) AS k(v) CROSS JOIN LATERAL "
                    f"(SELECT {names} FROM {table} WHERE {key} = k.v OFFSET 0) AS s", (list(values),))
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        cur.close()
