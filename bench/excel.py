"""Excel benchmark: importing a big workbook end to end, and making templates.

A bureau whose published scheme asks one unit for 10,000 quarterly figures (100
dimensions × 100 leaves; ``--quick``: 2,000) and 1,000 further units (``--quick``: 100)
with a ten-indicator form each. Figures, in one run:

* ``import_s``         ``importer.import_workbook`` on the filled-in 10,000-row template:
                       package checks, python-calamine read, layout and cell checks, the
                       submission service (form check, every row through the entry path,
                       the ledger append, the results refresh); target < 5 s;
* ``read_s``           python-calamine reading the same file alone (every sheet's cells);
* ``read_share``       ``read_s`` ÷ ``import_s`` (target ≤ 0.30);
* ``templates_per_s``  one template file per unit for 1,000 units
                       (``exports.unit_templates``: the forms read once, a workbook each).

Usage: ``python bench/excel.py [--quick] [--database-url URL]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import datetime as dt
import io
import os
import tempfile
import time

import python_calamine
from openpyxl import load_workbook

from bench.ledger import scratch_database
from core.plugin_api import IndicatorSpec, SchemeTemplate
from core.services import bureaus, cycles, plugins, templates, units
from core.services.context import Context

DIMENSIONS = 100


class BenchSector:
    """A plugin offering the bench's scheme template (indicators and schemes in one
    transaction)."""

    def __init__(self, leaves: int, small_units: int) -> None:
        self.leaves, self.small = leaves, small_units

    def jixiao_scheme_templates(self, context=None):
        per = self.leaves // DIMENSIONS
        big = [
            IndicatorSpec(f"k{n:05d}", f"指标{n}", f"Indicator {n}", "%")
            for n in range(self.leaves)
        ]

        def leaf(code: str) -> dict:
            return {
                "code": f"n{code}",
                "name": f"叶{code}",
                "points": "1",
                "indicator": code,
                "frequency": "quarter",
                "target": 95,
                "rule": {"type": "target_ratio", "params": {"target": "95"}},
            }

        def schemes(settings):
            nodes = [
                {
                    "code": f"d{d:03d}",
                    "name": f"维度{d}",
                    "points": str(per),
                    "children": [leaf(big[d * per + k].code) for k in range(per)],
                }
                for d in range(DIMENSIONS)
            ]
            small = [leaf(f"k{n:05d}") for n in range(10)]
            return [
                {
                    "code": "big",
                    "name": "大表",
                    "group": "BIG",
                    "total": self.leaves,
                    "nodes": nodes,
                },
                {"code": "small", "name": "常规", "group": "S", "total": 10, "nodes": small},
            ]

        return [SchemeTemplate("bench", "基准 (bench)", big, schemes)]


def _hook(plugin: BenchSector):
    from core.plugin_api import hookimpl

    class Plugin:
        __version__ = "1"

        @hookimpl
        def jixiao_scheme_templates(self, context):
            return plugin.jixiao_scheme_templates(context)

    return Plugin()


def setup(platform, leaves: int, small_units: int) -> Context:
    ctx = Context.system(platform, "system:bench")
    platform.plugins.register(_hook(BenchSector(leaves, small_units)), "benchsector")
    bureaus.create(ctx, "bench", "基准局", "Bench bureau")
    plugins.install(ctx, "bench", "benchsector")
    year = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    cycles.create(ctx, "bench", "2026", "2026", *year, ["quarter"])
    units.create(ctx, "bench", "big", "大单位", "Big unit", group="BIG")
    for n in range(small_units):
        units.create(ctx, "bench", f"s{n:04d}", f"单位{n}", f"Unit {n}", group="S")
    templates.import_template(ctx, "bench", "bench", "2026", publish=True)
    return ctx


def filled_workbook(ctx: Context, leaves: int) -> bytes:
    from excel_addin import exports

    _, data = exports.entry_template(ctx, "bench", "2026", "2026-Q1", {"unit": "big"})
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    for row in range(5, 5 + leaves):
        sheet.cell(row, 6, 95 + (row * 7) % 20 + 0.5)  # meets the target: no warnings
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def calamine_read(data: bytes) -> int:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return sum(len(book.get_sheet_by_name(n).to_python()) for n in book.sheet_names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database-url", default=os.environ.get("JIXIAO_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    leaves = 2_000 if args.quick else 10_000
    small_units = 100 if args.quick else 1_000
    with tempfile.TemporaryDirectory() as folder, scratch_database(args.database_url) as url:
        os.environ["JIXIAO_INSTANCE_PATH"] = folder
        if url:
            os.environ["JIXIAO_DATABASE_URL"] = url
        from core.kernel import migrate
        from core.ledger.signing import KeyRing
        from core.runtime import make_platform
        from core.services import setup as instance_setup

        KeyRing(Path(folder) / "keys").add("jixiao-bench")
        platform = make_platform()
        migrate.upgrade(platform.settings["DATABASE_URL"])
        instance_setup.prepare(platform)
        ctx = setup(platform, leaves, small_units)
        data = filled_workbook(ctx, leaves)

        from excel_addin import exports, importer

        start = time.perf_counter()
        rows = calamine_read(data)
        read_s = time.perf_counter() - start
        profile = None
        if os.environ.get("JIXIAO_BENCH_PROFILE"):
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        start = time.perf_counter()
        outcome = importer.import_workbook(ctx, "bench", data)
        import_s = time.perf_counter() - start
        if profile is not None:
            profile.disable()
            profile.dump_stats(os.environ["JIXIAO_BENCH_PROFILE"])
        if not outcome.ok:
            raise SystemExit(f"import refused: {outcome.problems[:3]}")
        recorded = len(outcome.sheets[0]["entries"])

        start = time.perf_counter()
        small = [f"s{n:04d}" for n in range(small_units)]
        made = exports.unit_templates(ctx, "bench", "2026", "2026-Q1", small)
        templates_s = time.perf_counter() - start
        platform.db.dispose()

    print(f"rows: {recorded}")
    print(f"workbook_kb: {len(data) / 1024:.0f}")
    print(f"import_s: {import_s:.2f}")
    print(f"read_s: {read_s:.3f}")
    print(f"read_rows: {rows}")
    print(f"read_share: {read_s / import_s:.3f}")
    print(f"templates: {len(made)}")
    print(f"templates_per_s: {len(made) / templates_s:.1f}")


if __name__ == "__main__":
    main()
