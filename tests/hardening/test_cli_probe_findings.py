"""What a fresh-eyes probe of the command line and the sector plugins found: files read
without a bound, YAML alias bombs, an empty ``--as`` acting as the operator, tracebacks
for years past 9999, output paths that are folders, oversized numbers, files that are
not bundles, settings numbers no computation can use, months that are quarters, and
CSV files naming a column twice. Each is refused with a message and writes nothing."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from core.cli import main
from core.plugin_api import read_csv
from tests.helpers import log_size


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def refused(result, code: int = 1) -> str:
    """A refusal: the exit code, and a message rather than a traceback."""
    assert result.exit_code == code, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.output


def test_an_empty_as_is_refused_not_the_operator(instance, world):
    assert "name a user" in refused(run("--as", "", "units", "list", "--bureau", "b1"), 2)
    assert "name a user" in refused(run("--as", " @b1", "units", "list", "--bureau", "b1"), 2)


def test_files_are_read_with_a_bound(instance, world, platform):
    size = log_size(platform, "b1")
    said = refused(run("evidence", "attach", "/dev/zero", "--bureau", "b1", "--unit", "u1"))
    assert "larger than the limit" in said
    assert "larger than the limit" in refused(
        run("schemes", "import", "/dev/zero", "--bureau", "b1", "--cycle", "2026")
    )
    assert log_size(platform, "b1") == size


def test_yaml_aliases_are_refused_before_they_expand(instance, world, tmp_path):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 10)]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(levels) + "\n", encoding="utf-8")
    start = time.monotonic()
    said = refused(run("schemes", "import", str(bomb), "--bureau", "b1", "--cycle", "2026"))
    assert "aliases are not accepted" in said
    assert time.monotonic() - start < 10


def test_scheme_files_too_deep_or_malformed_name_the_file_not_the_body(
    instance, world, platform, tmp_path
):
    size = log_size(platform, "b1")
    files = {
        "deep.yaml": "x: " + "[" * 5000 + "]" * 5000 + "\n",
        "deep.json": "[" * 5000 + "]" * 5000,
        "bad.json": '{"a": ',
        "dup.json": '{"a": 1, "a": 2}',
    }
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        said = refused(run("schemes", "import", str(path), "--bureau", "b1", "--cycle", "2026"))
        assert said.startswith(f"Error: {path}"), said
        assert "body" not in said and "recursion" not in said, said
    assert "nested more than 32 levels" in refused(
        run("schemes", "import", str(tmp_path / "deep.yaml"), "--bureau", "b1", "--cycle", "2026")
    )
    assert log_size(platform, "b1") == size


def test_cycles_lie_between_2000_and_2999(instance, world):
    for start, end in (("9999-01-01", "9999-12-31"), ("1899-01-01", "1899-12-31")):
        said = refused(run("cycles", "create", "--bureau", "b1", "c9", "名", "--start", start,
                           "--end", end, "--periods", "year"))  # fmt: skip
        assert "2000" in said


def test_output_paths_and_numbers_that_cannot_be_used(instance, world, tmp_path):
    said = refused(run("ledger", "proof", "--bureau", "b1", "--seq", "0", "-o", str(tmp_path)))
    assert "cannot use" in said
    refused(run("webhooks", "worker", "--batch", str(2**63), "--once"), 2)


def test_a_file_that_is_not_a_bundle_is_said_to_be_so(instance, world, tmp_path):
    key = tmp_path / "key.txt"
    key.write_text(run("ledger", "public-key").output, encoding="utf-8")
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    said = refused(run("ledger", "verify-bundle", str(junk), "--public-key", str(key)), 2)
    assert "NOT A BUNDLE" in said and "TAMPERED" not in said
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    said = refused(run("ledger", "verify-bundle", str(junk), "--public-key", str(empty)), 2)
    assert "no verifier key" in said


def test_settings_numbers_beyond_the_platforms_limits_are_refused(client, world, platform):
    admin = world.headers("bureau_admin")
    base = "/api/v1/bureaus/b1/plugins/education"
    assert client.put(base, headers=admin).status_code in (200, 201)
    size = log_size(platform, "b1")
    for value in ("1e30", "1" * 25):
        r = client.put(f"{base}/settings", json={"pay_standard": value}, headers=admin)
        assert r.status_code == 422, (value, r.json)
        assert r.json["errors"][0]["field"] == "settings.pay_standard"
    assert log_size(platform, "b1") == size


def test_a_csv_naming_a_column_twice_is_refused():
    with pytest.raises(ValueError, match="appears twice"):
        read_csv(b"unit,value,unit\nb1,1,b2\n")


def test_a_csv_row_with_text_past_the_header_is_refused_and_short_rows_are_blank():
    with pytest.raises(ValueError, match="line 3 has 3 cells; the header has 2 columns"):
        read_csv(b"unit,value\nb1,1\nb2,2,surplus\n")
    assert read_csv(b"unit,value,note\nb1,1\nb2,2,,,\n") == [
        (2, {"unit": "b1", "value": "1"}),
        (3, {"unit": "b2", "value": "2", "note": ""}),
    ]


def test_plugin_settings_and_feeds_name_what_is_wrong(instance, world, platform, tmp_path):
    run("plugins", "install", "tax", "--bureau", "b1")
    size = log_size(platform, "b1")
    said = refused(run("plugins", "configure", "tax", "--bureau", "b1", "--set", "=5"))
    assert "write KEY=VALUE" in said
    bad = tmp_path / "settings.json"
    bad.write_text("{not json", "utf-8")
    said = refused(run("plugins", "configure", "tax", "--bureau", "b1", "--file", str(bad)))
    assert str(bad) in said and "body" not in said
    feed = tmp_path / "points.csv"
    feed.write_text("unit,person,day,item\nu1,,2026-03-03,D05\n", "utf-8")
    for option, value in (("--cycle", "1999"), ("--period", "garbage")):
        args = {"--cycle": "2026", option: value}
        said = refused(run("values", "feed", "tax-daily-points", str(feed), "--bureau", "b1",
                           *(x for pair in args.items() for x in pair)))  # fmt: skip
        assert value in said, said
    assert log_size(platform, "b1") == size


def test_a_template_asked_for_nobody_says_so(client, world):
    r = client.get(
        "/api/v1/bureaus/b1/excel/template?cycle=2026&period=2026-Q1",
        headers=world.headers("bureau_admin"),
    )
    assert r.status_code == 422 and "give a unit or a person" in r.json["errors"][0]["reason"]


def test_a_file_that_is_not_csv_by_its_name_is_refused_as_such():
    with pytest.raises(ValueError, match=r"a \.json file is not CSV"):
        read_csv(b'[{"unit": "b1"}]', "points.json")
    assert read_csv(b"unit\nb1\n", "points.csv") == [(2, {"unit": "b1"})]
