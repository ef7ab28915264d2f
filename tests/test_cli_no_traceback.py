"""No traceback, ever, from the CLI (#18): every command and option with malformed values.

Each command gets a valid command line with one thing wrong: a malformed date, number, enum,
id or pattern, a path that is missing, a folder, a path through a file, a dangling link, a
typo in an option. Each run must end in one error line (``Error: ...``; for ``validate``,
its one problem line), exit 2 for a usage error or 1 for a file that cannot be read (as the
README defines them), and leave the layer's bytes as they were.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import click
import pytest

from facilitymap.cli import cli

DATA = Path(__file__).parent / "data"
# The valid command line of each command ({layer}, {out}, {config} filled in per test).
BASE = {
    "validate": ["{layer}"],
    "list": ["{layer}"],
    "show": ["tj-test-denied", "{layer}"],
    "schema": [],
    "render": ["{layer}", "-o", "{out}.html"],
    "build": ["-c", "{config}", "--no-screenshot"],
    "export": ["{layer}", "--to", "csv", "-o", "{out}.csv"],
    "import": ["{source}", "--into", "{layer}", "--dry-run"],
    "check-links": ["{layer}"],
    "archive": ["{layer}", "--dry-run"],
    "diff": ["{layer}", "{layer}"],
    # A folder that does not exist: a valid one would be served until stopped.
    "serve": ["{out}"],
    "add site": [
        "--id",
        "tj-new",
        "--name",
        "N",
        "--kind",
        "base",
        "--country",
        "TJ",
        "--unlocated",
        "--location-note",
        "n",
        "--confidence",
        "low",
        "--confidence-note",
        "c",
        "--layer",
        "{layer}",
        "--dry-run",
    ],
    "add claim": [
        "tj-test-denied",
        "--date",
        "2024",
        "--actor",
        "A",
        "--actor-type",
        "journalist",
        "--stance",
        "affirms",
        "--basis",
        "relay",
        "--summary",
        "S",
        "--source",
        "a-2019",
        "--layer",
        "{layer}",
        "--dry-run",
    ],
    "add source": [
        "tj-test-denied",
        "--id",
        "n-1",
        "--title",
        "T",
        "--publisher",
        "P",
        "--url",
        "https://example.org/n",
        "--layer",
        "{layer}",
        "--dry-run",
    ],
}
# Commands that would go to the network when valid: only their malformed runs are made.
NETWORK = {"check-links", "archive"}
BAD_DATES = ["12/07/2024", "2024-13-01", "2024-02-30", "tomorrow"]
BAD_NUMBERS = ["abc", "-5", "1e999x", ""]


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield " ".join((*prefix, name)), command


COMMANDS = dict(_commands(cli))


def _bad_values(param: click.Parameter) -> list[str]:
    kind = type(param.type).__name__
    name = param.name or ""
    if isinstance(param.type, click.Choice):
        return ["nonsense", "ATTESTED"]
    if kind == "IsoDate" or name in ("as_of", "date"):
        return BAD_DATES
    if kind in ("FloatRange", "IntRange", "FloatParamType", "IntParamType"):
        return BAD_NUMBERS
    if kind == "Pattern":
        return ["Not Valid!", "-x"]
    if name == "countries":
        return ["TJK", "1"]
    if name in ("column_map", "constants", "value_maps"):
        return ["no-equals-sign", "=x"]
    if name == "wkt":
        return ["POINT (", "CIRCLE (1 2)"]
    return []


def cases() -> list[tuple[str, list[str], str]]:
    """(command, argument list with one thing wrong, what is wrong)."""
    found = []
    for name, command in COMMANDS.items():
        base = BASE.get(name)
        if base is None:
            continue
        for param in command.params:
            if param.param_type_name != "option" or param.is_flag:
                continue
            for bad in _bad_values(param):
                found.append((name, [*base, param.opts[-1], bad], f"{param.opts[-1]} {bad!r}"))
        found.append((name, [*base, "--no-such-option"], "an unknown option"))
        for where in ("missing", "folder", "through-a-file", "dangling-link"):
            for index, arg in enumerate(base):
                if arg in ("{layer}", "{config}", "{source}"):
                    args = [*base]
                    args[index] = "{" + where + "}"
                    found.append((name, args, f"{arg} is a {where} path"))
                    break
    found.append(("lsit", [], "a command typo"))
    return found


CASES = cases()


def test_every_command_is_covered():
    assert set(BASE) == set(COMMANDS), set(COMMANDS) ^ set(BASE)
    assert len(CASES) > 150


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("cli")
    layer = root / "layer.geojson"
    shutil.copy(DATA / "valid" / "two-sites.geojson", layer)
    source = root / "incoming.geojson"
    shutil.copy(DATA / "valid" / "two-sites.geojson", source)
    config = root / "maps.toml"
    config.write_text(f'layer = "{layer.name}"\noutput_dir = "out"\n'
                      '[[map]]\nname = "all"\noutput = "all.html"\n', encoding="utf-8")  # fmt: skip
    (root / "folder.geojson").mkdir()
    os.symlink(root / "gone.geojson", root / "dangling.geojson")
    return {
        "layer": str(layer),
        "source": str(source),
        "config": str(config),
        "out": str(root / "out" / "result"),
        "missing": str(root / "missing.geojson"),
        "folder": str(root / "folder.geojson"),
        "through-a-file": str(layer / "inside.geojson"),
        "dangling-link": str(root / "dangling.geojson"),
    }


@pytest.mark.parametrize(
    ("command", "args", "wrong"), CASES, ids=[f"{c}: {w}" for c, _, w in CASES]
)
def test_a_malformed_command_line_gets_one_error_line(runner, files, command, args, wrong):
    layer = Path(files["layer"])
    before = layer.read_bytes()
    Path(files["out"]).parent.mkdir(exist_ok=True)
    argv = [*command.split(), *(a.format(**files) for a in args)]
    result = runner.invoke(cli, argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{argv}: {result.exception!r}"
    )
    assert "Traceback" not in result.output
    assert result.exit_code in (1, 2), (argv, result.exit_code, result.output)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    if command == "validate" and result.exit_code == 1:
        assert len(result.stdout.splitlines()) == 1 and ": -: file: " in result.stdout
    else:
        assert len(errors) == 1, (argv, result.stderr)
    if "path" in wrong and command == "diff":
        pass  # OLD is a file or a git revision: neither is a usage error (exit 2) there
    elif "path" in wrong:
        assert result.exit_code == 1, (argv, result.output)  # a file that cannot be read
    elif command != "lsit":
        assert result.exit_code == 2, (argv, result.output)  # the command line is wrong
    assert layer.read_bytes() == before


@pytest.mark.parametrize("command", ["validate", "render"])
@pytest.mark.parametrize("in_runs", [False, True], ids=["loaded", "in runs"])
def test_missing_country_borders_are_named_not_blamed_on_the_layer(
    runner, files, tmp_path, monkeypatch, command, in_runs
):
    """The checks read the country borders; a broken install (or FACILITYMAP_CONTEXT_DIR
    naming the wrong folder) is one error line naming that file, not "no such file" about
    a layer that is there."""
    from facilitymap import maps

    if in_runs:  # a layer rendered run by run, in forked processes
        monkeypatch.setattr(maps, "MAP_IN_RUNS_OVER", 1)
    monkeypatch.setenv("FACILITYMAP_CONTEXT_DIR", str(tmp_path / "nowhere"))
    argv = [command, files["layer"]] + (
        ["-o", str(tmp_path / "m.html")] if command == "render" else []
    )
    result = runner.invoke(cli, argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert str(tmp_path / "nowhere" / "countries.geojson") in error
    assert "FACILITYMAP_CONTEXT_DIR" in error
