"""``jixiao --help`` is jixiao's own (issue 8): none of Flask's options (``-A/--app``,
``--debug``, ``-e/--env-file``) nor its ``openapi`` group (flask-smorest's) leak in,
and the installed ``jixiao`` script is that command."""

from __future__ import annotations

import re
from importlib.metadata import entry_points

from click.testing import CliRunner

from core.cli import main

FLASK = [r"(^|\s)-A[,\s]", r"--app\b", r"--debug\b", r"(^|\s)-e[,\s]", r"--env-file\b",
         r"^\s+openapi\b", r"^\s+routes\b", r"^\s+shell\b", r"^\s+run\b"]  # fmt: skip


def test_the_help_shows_only_jixiao(monkeypatch, tmp_path):
    monkeypatch.setenv("JIXIAO_INSTANCE_PATH", str(tmp_path / "none"))  # no instance needed
    for args in (["--help"], ["-h"], []):
        out = CliRunner().invoke(main, args)
        assert out.exit_code in (0, 2) and "Usage: main [OPTIONS] COMMAND" in out.output
        for pattern in FLASK:
            assert not re.search(pattern, out.output, re.MULTILINE), (pattern, out.output)
        assert re.search(r"^\s+values\s", out.output, re.MULTILINE)
    for name in ("openapi", "routes", "shell", "run"):
        assert main.get_command(None, name) is None
    assert not (tmp_path / "none").exists()  # --help creates no instance folder
    (script,) = entry_points(group="console_scripts", name="jixiao")
    assert script.load() is main
