"""Many rows into (or out of) a DuckDB table with one statement each, read by DuckDB from a JSON-lines file.

Not `executemany` (one statement per row: about a millisecond each) and not Arrow (building Arrow
arrays from Python objects imports pandas, 0.2-0.4 s of CPU in every run that writes). Values go in
as JSON: dates and timestamps as ISO text, which the INSERT casts to the column's type exactly as it
casts a bound parameter (a timestamp without offset in the session time zone).
"""
from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

MAX_ROW_BYTES = 1 << 30  # DuckDB's JSON reader refuses larger rows (its default, 16 MB, could hold back an article)


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
                rows: Iterable[Sequence[Any]]) -> None:
    """INSERT the rows (values in `columns` order) into `table`; nothing happens for no rows."""
    _run(con, table, columns, rows, lambda source, names: (
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {source}"))


def delete_rows(con: duckdb.DuckDBPyConnection, table: str, keys: Sequence[str],
                rows: Iterable[Sequence[Any]]) -> None:
    """DELETE the rows of `table` whose `keys` columns equal one of the given key tuples."""
    match = " AND ".join(f"{table}.{k} = gone.{k}" for k in keys)
    _run(con, table, keys, rows, lambda source, _: f"DELETE FROM {table} USING {source} AS gone WHERE {match}")


def _run(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
         statement) -> None:  # statement: (source, column list) -> SQL
    with tempfile.TemporaryDirectory(prefix="rows-") as tmp:
        path = Path(tmp) / f"{table}.jsonl"
        if not _write_json_lines(path, columns, rows):
            return
        types = _column_types(con, table)
        spec = ", ".join(f"'{c}': '{_json_type(types[c])}'" for c in columns)
        source = (f"read_json(?, format = 'newline_delimited', columns = {{{spec}}}, "
                  f"maximum_object_size = {MAX_ROW_BYTES})")
        con.execute(statement(source, ", ".join(columns)), [str(path)])


def _write_json_lines(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """One JSON object per row; returns the number of rows written."""
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=_iso))
            f.write("\n")
            n += 1
    return n


def _iso(value: Any) -> str:
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to the database: {value!r}")


def _column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? AND "
                            "database_name = current_database() AND schema_name = current_schema()",
                            [table]).fetchall())


def _json_type(column_type: str) -> str:
    """How the reader types a column: timestamps as text, cast by the statement as bound values are."""
    return "VARCHAR" if column_type.startswith("TIMESTAMP") else column_type
