"""CLI start-up: the median wall time of whole ``jixiao bureaus list`` processes on a
small instance, beside ``python -c pass`` measured in the same run (issue 9's target:
``cli_start_ms`` < 400).

* ``python_start_ms``  the interpreter alone (the floor no command can go below);
* ``cli_start_ms``     ``jixiao bureaus list`` (imports, configuration, one query);
* ``cli_help_ms``      ``jixiao --help`` (no database);
* ``cli_over_python``  ``cli_start_ms`` ÷ ``python_start_ms``.

Usage: ``python bench/cli.py [--runs N]``. Prints ``name: value`` lines.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "plugins", "webhooks", "excel_addin")


def byte_compile() -> None:
    """Bring the project's bytecode up to date first, as ``make install`` (and any wheel
    install) leaves it: where ``PYTHONDONTWRITEBYTECODE`` is set, a checkout changed
    since its install would otherwise compile every edited module on every start, and
    the figure would measure the compiler rather than the command."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *(str(ROOT / p) for p in PACKAGES)],
        check=True,
        capture_output=True,
    )


def median_ms(command: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    byte_compile()
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-cli-") as tmp:
        env = {
            **os.environ,
            "JIXIAO_INSTANCE_PATH": str(Path(tmp) / "instance"),
            "JIXIAO_DATABASE_URL": f"sqlite:///{Path(tmp) / 'cli.sqlite3'}",
            "JIXIAO_NO_PROGRESS": "1",
        }
        jixiao = str(BIN / "jixiao")
        subprocess.run([jixiao, "init"], env=env, check=True, capture_output=True)
        subprocess.run(
            [jixiao, "bureaus", "create", "b1", "测试局"], env=env, check=True, capture_output=True
        )
        python = median_ms([sys.executable, "-c", "pass"], env, args.runs)
        cli = median_ms([jixiao, "bureaus", "list"], env, args.runs)
        helped = median_ms([jixiao, "--help"], env, args.runs)
    print(f"python_start_ms: {python:.0f}")
    print(f"cli_start_ms: {cli:.0f}")
    print(f"cli_help_ms: {helped:.0f}")
    print(f"cli_over_python: {cli / python:.1f}")


if __name__ == "__main__":
    main()
