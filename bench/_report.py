"""The printed results: the environment, then one table row per measure."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass
from importlib.metadata import version

from sqlalchemy import Engine


def environment(engine: Engine, temporary: bool) -> list[tuple[str, str]]:
    dialect = engine.dialect
    if dialect.name == "sqlite":
        import sqlite3

        where = "file in a temporary folder" if temporary else engine.url.database
        database = f"SQLite {sqlite3.sqlite_version}, {where}"
    else:
        with engine.connect() as connection:
            info = connection.exec_driver_sql("select version()").scalar()
        database = f"{dialect.name} ({dialect.driver}): {info}"
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    packages = ", ".join(
        f"{name} {version(name)}" for name in ("flask", "werkzeug", "sqlalchemy", "gunicorn")
    )
    return [
        ("python", f"{platform.python_implementation()} {sys.version.split()[0]}"),
        ("system", f"{platform.system()} {platform.release()} {platform.machine()}"),
        ("cpus", f"{os.cpu_count()} (usable by this process: {affinity})"),
        ("load", _load_average()),
        ("database", database),
        ("packages", packages),
    ]


def _load_average() -> str:
    if not hasattr(os, "getloadavg"):
        return "unknown"
    one, five, fifteen = os.getloadavg()
    return (
        f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min) at the start; other work on the "
        "machine lowers every rate, the ratios less"
    )


@dataclass(frozen=True)
class Row:
    measure: str
    unit: str
    how: str
    sieuapp: float
    baseline: float | None
    #: ``("ratio", 0.7)``: sieuapp/baseline must be at least 0.7; ``("below", 300)``: the
    #: sieuapp value must be under 300; None: measured and compared, with no target set.
    target: tuple[str, float] | None

    @property
    def ratio(self) -> float | None:
        return self.sieuapp / self.baseline if self.baseline else None

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        kind, value = self.target
        if kind == "ratio":
            return self.ratio is not None and self.ratio >= value
        return self.sieuapp < value

    def cells(self) -> list[str]:
        if self.target is None:
            ratio = f"{self.ratio:.2f}" if self.ratio is not None else "-"
            baseline = "-" if self.baseline is None else f"{self.baseline:.1f}"
            cells = [self.measure, self.unit, self.how, f"{self.sieuapp:.1f}", baseline, ratio]
            return [*cells, "-", "-"]
        kind, value = self.target
        target = f">= {value:g}" if kind == "ratio" else f"< {value:g} {self.unit}"
        ratio = f"{self.ratio:.2f}" if kind == "ratio" and self.ratio is not None else "-"
        baseline = "-" if self.baseline is None else f"{self.baseline:.1f}"
        return [
            self.measure,
            self.unit,
            self.how,
            f"{self.sieuapp:.1f}",
            baseline,
            ratio,
            target,
            "yes" if self.met else "no",
        ]


HEADER = ["measure", "unit", "how", "sieuapp", "baseline", "ratio", "target", "met"]


def table(rows: list[Row]) -> str:
    lines = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    right = {3, 4, 5}
    out = []
    for line in lines:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(line)
        ]
        out.append("  ".join(cells).rstrip())
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)
