"""Results benchmark: a whole cycle computed, and the stored results read and refreshed.

A bureau of 1,000 units × 200 quarterly indicators × 4 quarters (800,000 values; the
``--quick`` run has 100 units) under one five-dimension scheme with four rule types, all
units in one group. Figures, measured in one fresh process so memory is the
computation's own:

* ``full_cycle_s``   ``ResultsEngine.compute()`` for the cycle: load the values, score
                     every leaf and quarter with ``Decimal``, combine, roll up, rank,
                     grade, and keep the explanation trees;
* ``peak_mb``        peak RSS of that process;
* ``baseline_ratio`` the same weighted sums (same query, same rules) with plain floats
                     in lists and dicts, no explanation ÷ ``full_cycle_s`` — the price of
                     exact decimals and explanations (higher is better, 1.0 = no price);
* ``incremental_ms`` after one new value, rescoring that unit and re-ranking its group
                     (``ResultsEngine.refresh``);
* ``read_unit_ms``   one unit's stored result with its explanation tree, through the
                     service every channel calls (``results.subject_result``), warm;
                     median of several reads (issue 9's target < 50 ms);
* ``ranking_ms``     the group's ranking: every unit's stored result
                     (``results.results``), median (target < 100 ms);
* ``after_value_ms`` record one value through ``values.record`` (validation, ledger,
                     projection, commit), then read its unit's new result, which
                     brings the stored results up to date first; median (target < 150 ms).

The ``*_ms`` reads are medians over runs, so one slow outlier on a shared machine does
not decide them. Each is beside ``select1_ms``, a bare ``SELECT 1`` round trip through
the same database in the same run.

Setup writes every value to the ledger with ``append_many`` and loads the matching
projection rows in bulk (the per-row projector would take minutes); then the stored
results are computed once, as the server's refresher would.

Usage: ``python bench/results.py [--quick] [--database-url URL]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import datetime as dt
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable

from sqlalchemy import insert, select, text

from bench.ledger import peak_rss_mb, scratch_database
from core.domain.assessment.results import ResultsEngine
from core.domain.models import Cycle, Indicator, IndicatorValue, ResultPending, Subject
from core.ledger.store import Record, append_many
from core.services import bureaus, cycles, indicators, results, schemes, units, values
from core.services.context import Context

INDICATORS = 200
ROUNDS = 2
READS = 15
QUARTERS = 4
CHUNK = 50_000
RULES = (
    ("target_ratio", {"target": "95"}),
    ("threshold", {"op": ">=", "value": "80"}),
    (
        "ladder",
        {
            "mode": "linear",
            "steps": [
                {"at": "60", "score": "0.6"},
                {"at": "80", "score": "0.8"},
                {"at": "100", "score": "1"},
            ],
        },
    ),
    ("target_ratio", {"target": "70", "direction": "lower"}),
)


def value(u: int, i: int, q: int) -> str:
    return f"{60 + (u * 7 + i * 13 + q * 17) % 41}.{(u + i + q) % 10}"


def scheme() -> dict:
    """Five dimensions of 40 quarterly leaves, 0.5 points each."""
    dimensions = []
    for d in range(5):
        leaves = [
            {
                "code": f"L{d * 40 + k:03d}",
                "name": f"指标{d * 40 + k}",
                "points": "0.5",
                "indicator": f"i{d * 40 + k:03d}",
                "frequency": "quarter",
                "rule": {"type": RULES[k % 4][0], "params": RULES[k % 4][1]},
            }
            for k in range(40)
        ]
        dimensions.append({"code": f"D{d}", "name": f"维度{d}", "points": "20", "children": leaves})
    return {
        "code": "bench",
        "name": "基准考核",
        "group": "G",
        "nodes": dimensions,
        "grades": [
            {"code": "excellent", "name": "优秀", "min": "90", "quota": "0.2"},
            {"code": "good", "name": "良好", "min": "75"},
            {"code": "fair", "name": "一般"},
        ],
    }


def setup(ctx: Context, units_n: int) -> None:
    """The bureau through the services; its 800,000 values in bulk."""
    bureaus.create(ctx, "bench", "基准局", "Bench bureau")
    for u in range(units_n):
        units.create(ctx, "bench", f"u{u:04d}", f"单位{u}", f"Unit {u}", group="G")
    for i in range(INDICATORS):
        indicators.create(ctx, "bench", f"i{i:03d}", f"指标{i}", f"Indicator {i}", "%")
    year = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    cycles.create(ctx, "bench", "2026", "2026年度", *year, ["quarter"])
    schemes.import_scheme(ctx, "bench", "2026", scheme(), publish=True)
    bulk_values(ctx, units_n)
    ctx.catch_up("bench")


def bulk_values(ctx: Context, units_n: int) -> None:
    """``value.recorded`` entries with ``append_many`` and their projection rows with
    one executemany per chunk, then a mark that the whole cycle needs scoring."""
    with ctx.writing("bench", "bureau.manage") as work:
        s, b = work.session, work.bureau
        subject_ids = pairs(s, select(Subject.code, Subject.id).where(Subject.bureau_id == b.id))
        ind_ids = pairs(s, select(Indicator.code, Indicator.id).where(Indicator.bureau_id == b.id))
        cycle = s.scalar(select(Cycle).where(Cycle.bureau_id == b.id))
        period_ids = {p.code: p.id for p in cycle.periods}
        log_id, bureau_id, cycle_id = b.log_id, b.id, cycle.id
    keys = [(u, i, q) for u in range(units_n) for i in range(INDICATORS) for q in range(1, 5)]
    for offset in range(0, len(keys), CHUNK):
        part = keys[offset : offset + CHUNK]
        with ctx.writing("bench", "bureau.manage") as work:
            written = append_many(
                work.session,
                log_id,
                [Record("value.recorded", entry_data(u, i, q), "system:bench") for u, i, q in part],
            )
            rows = [
                {
                    "subject_id": subject_ids[f"u{u:04d}"],
                    "indicator_id": ind_ids[f"i{i:03d}"],
                    "period_id": period_ids[f"2026-Q{q}"],
                    "value": value(u, i, q),
                    "seq": entry.seq,
                    "review": "pending",
                    "late": False,
                }
                for (u, i, q), entry in zip(part, written, strict=True)
            ]
            work.session.execute(insert(IndicatorValue), rows)
    with ctx.writing("bench", "bureau.manage") as work:
        work.session.merge(ResultPending(bureau_id=bureau_id, cycle_id=cycle_id, subject_id=0))


def entry_data(u: int, i: int, q: int) -> dict:
    return {
        "unit": f"u{u:04d}",
        "indicator": f"i{i:03d}",
        "cycle": "2026",
        "period": f"2026-Q{q}",
        "value": value(u, i, q),
        "corrects": None,
    }


def pairs(session, query) -> dict:
    return {key: found for key, found in session.execute(query)}


def baseline(session, bureau_id: int) -> dict[int, float]:
    """Plain floats: the same query, the same four rules, weighted sums in lists."""
    rows = session.execute(
        select(
            IndicatorValue.subject_id,
            IndicatorValue.indicator_id,
            IndicatorValue.period_id,
            IndicatorValue.value,
        )
    )
    ind_index = {
        id_: int(code[1:])
        for code, id_ in session.execute(
            select(Indicator.code, Indicator.id).where(Indicator.bureau_id == bureau_id)
        )
    }
    sums: dict[int, list[float]] = {}
    for subject_id, ind_id, _, found in rows:
        k = ind_index[ind_id]
        v = float(found)
        kind = k % 4
        if kind == 0:
            share = min(v / 95, 1.0)
        elif kind == 1:
            share = 1.0 if v >= 80 else 0.0
        elif kind == 2:
            share = 0.6 + (v - 60) / 100 if v < 80 else 0.8 + (v - 80) / 100
        else:
            share = min(70 / v, 1.0)
        sums.setdefault(subject_id, [0.0] * INDICATORS)[k] += 0.5 * share / QUARTERS
    totals = {u: round(sum(leaves), 2) for u, leaves in sums.items()}
    ranked = sorted(totals, key=lambda u: -totals[u])
    return {u: totals[u] for u in ranked}


def median_ms(step: Callable[[int], object], runs: int = READS) -> float:
    times = []
    for n in range(runs):
        start = time.perf_counter()
        step(n)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def full_cycle(ctx: Context) -> tuple[float, float, float, float]:
    """Best of ``ROUNDS`` whole-cycle computations and baselines, the peak RSS, and one
    incremental rescoring."""
    with ctx.reading("bench", "bureau.read") as work:
        s, b = work.session, work.bureau
        cycle = s.scalar(select(Cycle).where(Cycle.bureau_id == b.id))
        rule_types = work.contributions("jixiao_rule_types")
        post = work.contributions("jixiao_post_processors")
        full = plain = float("inf")
        engine = None
        for _ in range(ROUNDS):  # interleaved, best of each: the machine is shared
            engine = None  # let the previous round's results go before the next
            engine = ResultsEngine(s, b, cycle, rule_types, post)
            start = time.perf_counter()
            engine.compute()
            full = min(full, time.perf_counter() - start)
            start = time.perf_counter()
            baseline(s, b.id)
            plain = min(plain, time.perf_counter() - start)
        peak = peak_rss_mb()  # the high-water mark: one round's results at most
        assert engine is not None and engine.scored_subjects > 0
        target = s.scalar(select(Subject.id).where(Subject.code == "u0001"))
        before = engine.scored_subjects
        start = time.perf_counter()
        engine.refresh([target])
        incremental = time.perf_counter() - start
        assert engine.scored_subjects == before + 1
    return full, peak, plain, incremental


def reads(ctx: Context, units_n: int) -> dict[str, float]:
    """The stored results through the services, warm, and a write followed by a read."""
    one = results.subject_result(ctx, "bench", "2026", "u0001")
    assert one["explanation"]["nodes"][0]["children"], "a result without its explanation"
    ranking = results.results(ctx, "bench", "2026")
    assert len(ranking) == units_n and ranking[0]["rank"] == 1
    figures = {
        "read_unit_ms": median_ms(lambda n: results.subject_result(ctx, "bench", "2026", "u0001")),
        "ranking_ms": median_ms(lambda n: results.results(ctx, "bench", "2026")),
    }

    def write_then_read(n: int) -> None:
        row = {
            "unit": "u0002",
            "indicator": "i007",
            "cycle": "2026",
            "period": "2026-Q2",
            "value": f"{50 + n}.5",
            "corrects": current_seq(ctx),
        }
        values.record(ctx, "bench", [row])
        after = results.subject_result(ctx, "bench", "2026", "u0002")
        assert after["as_of"] > one["as_of"]

    write_then_read(-1)  # the first refresh after the load builds the engines' cache
    figures["after_value_ms"] = median_ms(write_then_read)
    figures["select1_ms"] = median_ms(lambda n: select1(ctx))
    return figures


def current_seq(ctx: Context) -> int:
    listed = values.listing(ctx, "bench", {"unit": "u0002", "indicator": "i007"})
    return next(v["seq"] for v in listed if v["period"] == "2026-Q2")


def select1(ctx: Context) -> None:
    with ctx.reading("bench", "bureau.read") as work:
        work.session.execute(text("SELECT 1")).scalar_one()


def measure(folder: str, url: str, units_n: int, out) -> None:
    os.environ["JIXIAO_INSTANCE_PATH"] = str(Path(folder) / "instance")
    os.environ["JIXIAO_DATABASE_URL"] = url
    from core.runtime import make_platform

    ctx = Context.system(make_platform(), "system:bench")
    full, peak, plain, incremental = full_cycle(ctx)
    out.put({"full": full, "peak": peak, "plain": plain, "incremental": incremental,
             **reads(ctx, units_n)})  # fmt: skip


def result_of(child, out) -> dict:
    """The child's figures, or an exit naming its exit code if it died without any."""
    import queue

    while True:
        try:
            return out.get(timeout=5)
        except queue.Empty:
            if not child.is_alive():
                died = f"the measuring process died (exit code {child.exitcode})"
                raise SystemExit(died) from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 units, under a minute")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    units_n = 100 if args.quick else 1000
    with (
        tempfile.TemporaryDirectory(prefix="jixiao-bench-") as folder,
        scratch_database(args.database_url) as server_url,
    ):
        url = server_url or f"sqlite:///{Path(folder) / 'results.sqlite3'}"
        os.environ["JIXIAO_INSTANCE_PATH"] = str(Path(folder) / "instance")
        os.environ["JIXIAO_DATABASE_URL"] = url
        from core.kernel import migrate
        from core.ledger.signing import KeyRing
        from core.runtime import make_platform
        from core.services import setup as instance_setup

        migrate.upgrade(url)
        KeyRing(Path(folder) / "instance" / "keys").add("jixiao-bench")
        platform = make_platform()
        instance_setup.prepare(platform)
        start = time.perf_counter()
        setup(Context.system(platform, "system:bench"), units_n)
        print(f"setup_s: {time.perf_counter() - start:.1f}")
        platform.db.dispose()
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        child = ctx.Process(target=measure, args=(folder, url, units_n, out))
        child.start()
        got = result_of(child, out)
    print(f"values: {units_n * INDICATORS * QUARTERS}")
    print(f"full_cycle_s: {got['full']:.2f}")
    print(f"peak_mb: {got['peak']:.0f}")
    print(f"baseline_s: {got['plain']:.2f}")
    print(f"baseline_ratio: {got['plain'] / got['full']:.2f}")
    print(f"incremental_ms: {got['incremental'] * 1000:.1f}")
    for name in ("read_unit_ms", "ranking_ms", "after_value_ms", "select1_ms"):
        print(f"{name}: {got[name]:.1f}")


if __name__ == "__main__":
    main()
