"""The kit for custom modules: ``jixiao plugins new NAME`` scaffolds an installable
package, ``examples/envprotect`` is exactly what it produces plus its own content, and
both are built and installed with pip (into a target folder) and their own tests run
on the installed package, in a separate process, as CI would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli.plugins import scaffold_files
from tests.plugins.support import cli

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "envprotect"
TITLE = "环保局绩效指标模块 (environmental protection indicators)"
KIT_OWNED = ("pyproject.toml", "jixiao_envprotect/__init__.py")
"""Files the example keeps exactly as the kit makes them; its content is elsewhere."""


def test_new_scaffolds_a_package(tmp_path):
    out = cli("plugins", "new", "water_quality", "--path", str(tmp_path)).output
    project = tmp_path / "water_quality"
    made = sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())
    assert made == [
        "README.md",
        "jixiao_water_quality/__init__.py",
        "jixiao_water_quality/contributions.py",
        "jixiao_water_quality/scheme.py",
        "jixiao_water_quality/templates/water_quality.yaml",
        "pyproject.toml",
        "tests/test_water_quality.py",
    ]
    assert "next: pip install" in out
    pyproject = (project / "pyproject.toml").read_text("utf-8")
    assert '[project.entry-points.jixiao]\nwater_quality = "jixiao_water_quality"' in pyproject
    assert "{{" not in "".join(p.read_text("utf-8") for p in project.rglob("*") if p.is_file())
    again = cli("plugins", "new", "water_quality", "--path", str(tmp_path), ok=False)
    assert again.exit_code == 1 and "not empty" in again.output
    bad = cli("plugins", "new", "Water-Quality", "--path", str(tmp_path), ok=False)
    assert bad.exit_code == 1 and "lower-case" in bad.output


def test_the_example_is_the_kit_plus_its_own_content():
    kit = scaffold_files("envprotect", TITLE)
    for relative, text in kit.items():
        assert (EXAMPLE / relative).is_file(), relative
        if relative in KIT_OWNED:
            assert (EXAMPLE / relative).read_text("utf-8") == text, relative
    scheme = (EXAMPLE / "jixiao_envprotect" / "scheme.py").read_text("utf-8")
    assert scheme != kit["jixiao_envprotect/scheme.py"] and "pm25_target" in scheme


def _install_and_test(source: Path, work: Path, package: str) -> str:
    """Copy ``source``, ``pip install`` it into a target folder (build and all), check
    that the installed package is the one imported, and run its tests there."""
    copy = work / source.name
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    target = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
         str(target), str(copy)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIXIAO_")}
    env["PYTHONPATH"] = str(target)
    where = subprocess.run(
        [sys.executable, "-c", f"import {package}; print({package}.__file__)"],
        env=env, cwd=work, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert where.stdout.startswith(str(target)), where.stdout
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", str(copy / "tests")],
        env=env, cwd=work, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout + tests.stderr
    return tests.stdout


@pytest.mark.slow
def test_the_example_passes_its_own_tests_after_a_real_pip_install(tmp_path):
    out = _install_and_test(EXAMPLE, tmp_path, "jixiao_envprotect")
    assert "4 passed" in out


@pytest.mark.slow
def test_a_freshly_scaffolded_package_passes_its_own_tests_installed(tmp_path):
    cli("plugins", "new", "demo_kit", "--path", str(tmp_path / "src"))
    out = _install_and_test(tmp_path / "src" / "demo_kit", tmp_path, "jixiao_demo_kit")
    assert "2 passed" in out
