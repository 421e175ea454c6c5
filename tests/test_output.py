"""Output formats: text (flake8's, coloured on a terminal only), JSON, SARIF 2.1.0, GitHub annotations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from flake8_asynctest.catalogue import RULES
from flake8_asynctest.cli import main

from .annotations import ROOT
from .terminal import run_on_a_terminal

SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-2.1.0-rtm.5.json"

NEVER_RUNS = textwrap.dedent(
    """\
    import asyncio
    import unittest


    class TestX(unittest.TestCase):
        async def test_never_runs(self):
            pass


    class TestY(unittest.IsolatedAsyncioTestCase):
        async def test_loop(self):
            names = {"café": 1} and asyncio.get_event_loop()
    """
)
LOOP_NOT_CLOSED = "import asyncio\n\n\ndef test_loop():\n    loop = asyncio.new_event_loop()\n"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A checked tree: two files with findings, one that does not parse; run from its directory."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text(NEVER_RUNS, encoding="utf-8")
    (tmp_path / "tests" / "test_b.py").write_text(LOOP_NOT_CLOSED, encoding="utf-8")
    (tmp_path / "tests" / "test_broken.py").write_text("def broken(:\n", encoding="utf-8")
    # only the rules these examples are for: a rule added later must not change what they show
    (tmp_path / "pyproject.toml").write_text('[tool.flake8-asynctest]\nselect = ["ATC103", "ATC205", "ATC204"]\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *args):
    status = main([*args])
    out, err = capsys.readouterr()
    return status, out, err


def message(code, **fields):
    return RULES[code].format(**fields)


ATC103 = message("ATC103", name="test_never_runs", base="unittest.TestCase")
ATC205 = message("ATC205")
ATC204 = "ATC204 event loop loop is never closed; call loop.close() in a finally block or a cleanup"


def test_text_is_flake8s_format_and_the_summary_goes_to_stderr(tree, capsys):
    status, out, err = run(capsys, "tests")
    assert status == 1
    assert out.splitlines() == [
        f"tests/test_a.py:6:5: {ATC103}",
        f"tests/test_a.py:12:34: {ATC205}",  # flake8's column: ast's byte offset + 1
        f"tests/test_b.py:5:12: {ATC204}",
        "tests/test_broken.py:1:12: E999 SyntaxError: invalid syntax (file not checked)",
    ]
    assert err == "3 files checked: 4 findings (2 fixable)\n"


def test_statistics_count_each_code(tree, capsys):
    status, out, err = run(capsys, "--statistics", "tests")
    assert out.splitlines()[-4:] == [
        "1     ATC103 async-test-never-run [fixable]",
        "1     ATC204 event-loop-not-closed",
        "1     ATC205 get-event-loop-in-coroutine [fixable]",
        "1     E999   syntax-error",
    ]


def test_exit_zero_keeps_findings_from_failing_but_not_errors(tree, capsys):
    assert run(capsys, "--exit-zero", "tests")[0] == 0
    status, out, err = run(capsys, "--exit-zero", "tests", "missing")
    assert status == 2
    assert "missing:0:1: E902 No such file or directory" in out
    assert err.endswith("3 files checked: 4 findings (2 fixable); 1 file could not be read\n")
    assert run(capsys, "--exit-zero", "--select", "ATC3", "tests/test_a.py")[:2] == (0, "")


def test_clean_summary(tree, capsys):
    assert run(capsys, "--ignore", "ATC103,ATC205", "tests/test_a.py") == (0, "", "1 file checked: no findings\n")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_colour_on_a_terminal_only_and_never_with_no_color(tree):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    coloured = run_on_a_terminal(["tests/test_b.py"], tree, env)
    assert "\033[1mtests/test_b.py\033[0m" in coloured and "\033[1;31mATC204\033[0m" in coloured
    assert "\033[" not in run_on_a_terminal(["tests/test_b.py"], tree, {**env, "NO_COLOR": "1"})
    assert "\033[" not in run_on_a_terminal(["--color", "never", "tests/test_b.py"], tree, env)
    piped = subprocess.run(
        [sys.executable, "-m", "flake8_asynctest", "tests/test_b.py"], cwd=tree, env=env, capture_output=True, text=True
    )
    assert piped.stdout.startswith("tests/test_b.py:5:12: ATC204")


def test_color_always_beats_no_color(tree, capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    out = run(capsys, "--color", "always", "tests/test_b.py")[1]
    assert out.startswith("\033[1mtests/test_b.py\033[0m\033[36m:\033[0m5\033[36m:\033[0m12\033[36m:\033[0m ")


def test_json_document(tree, capsys):
    status, out, err = run(capsys, "--format", "json", "tests", "missing.py")
    assert status == 2
    document = json.loads(out)
    assert set(document) == {"tool", "version", "findings", "errors", "summary", "statistics"}
    assert document["tool"] == "flake8-asynctest"
    assert document["findings"][:2] == [
        {
            "path": "tests/test_a.py",
            "line": 6,
            "column": 5,
            "code": "ATC103",
            "name": "async-test-never-run",
            "message": ATC103.split(" ", 1)[1],
            "fixable": True,
        },
        {
            "path": "tests/test_a.py",
            "line": 12,
            "column": 33,  # characters: "é" is one
            "code": "ATC205",
            "name": "get-event-loop-in-coroutine",
            "message": ATC205.split(" ", 1)[1],
            "fixable": True,
        },
    ]
    assert [(f["path"], f["code"], f["fixable"]) for f in document["findings"][2:]] == [
        ("tests/test_b.py", "ATC204", False),
        ("tests/test_broken.py", "E999", False),
    ]
    assert document["errors"] == [
        {"path": "missing.py", "line": 0, "column": 1, "code": "E902", "message": "No such file or directory"}
    ]
    assert document["summary"] == {"files": 3, "findings": 4, "fixable": 2, "errors": 1}
    assert document["statistics"] == {"ATC103": 1, "ATC205": 1, "ATC204": 1, "E999": 1}
    assert err == "3 files checked: 4 findings (2 fixable); 1 file could not be read\n"


def test_json_with_statistics_keeps_stdout_one_document(tree, capsys):
    status, out, err = run(capsys, "--format", "json", "--statistics", "tests")
    assert json.loads(out)["summary"]["findings"] == 4
    assert "1     ATC103 async-test-never-run [fixable]" in err


def sarif_validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def test_sarif_is_valid_sarif_2_1_0(tree, capsys):
    validator = sarif_validator()
    status, out, err = run(capsys, "--format", "sarif", "tests", "missing.py")
    assert status == 2
    document = json.loads(out)
    errors = sorted(validator.iter_errors(document), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])

    (sarif_run,) = document["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == list(RULES)
    assert sarif_run["columnKind"] == "unicodeCodePoints"
    assert sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tree.as_uri() + "/"
    results = sarif_run["results"]
    assert [(r["ruleId"], rules[r["ruleIndex"]]["id"]) for r in results] == [
        (code, code) for code in ("ATC103", "ATC205", "ATC204")
    ]
    location = results[1]["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "tests/test_a.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12, "startColumn": 33, "endLine": 12, "endColumn": 57},  # characters
    }
    assert [rule["helpUri"] for rule in rules] == [rule.url for rule in RULES.values()]
    assert results[0]["message"]["text"] == ATC103.split(" ", 1)[1]
    (invocation,) = sarif_run["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = [
        (note["descriptor"]["id"], note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        for note in invocation["toolExecutionNotifications"]
    ]
    assert notes == [("E902", "missing.py"), ("E999", "tests/test_broken.py")]


def test_sarif_of_a_clean_run_is_valid_and_describes_every_rule(tree, capsys):
    validator = sarif_validator()
    status, out, _ = run(capsys, "--format", "sarif", "--ignore", "ATC103,ATC205", "tests/test_a.py")
    assert status == 0
    document = json.loads(out)
    assert not list(validator.iter_errors(document))
    (sarif_run,) = document["runs"]
    assert sarif_run["results"] == []
    assert sarif_run["invocations"][0]["executionSuccessful"] is True
    rule = sarif_run["tool"]["driver"]["rules"][list(RULES).index("ATC203")]
    assert rule["defaultConfiguration"] == {"enabled": False, "level": "error"}
    assert rule["help"]["markdown"] == RULES["ATC203"].markdown()


def test_the_schema_used_rejects_broken_sarif(tree, capsys):
    """Guard against a schema too lax to catch anything."""
    validator = sarif_validator()
    document = json.loads(run(capsys, "--format", "sarif", "tests")[1])
    document["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(document))
    del document["version"]
    assert list(validator.iter_errors(document))


def test_github_annotations(tree, capsys):
    status, out, err = run(capsys, "--format", "github", "tests", "missing.py")
    assert status == 2
    assert out.splitlines() == [
        "::error file=missing.py,title=flake8-asynctest E902 unreadable-file::E902 No such file or directory",
        f"::error file=tests/test_a.py,line=6,col=5,title=flake8-asynctest ATC103 async-test-never-run::{ATC103}",
        f"::error file=tests/test_a.py,line=12,col=33,title=flake8-asynctest ATC205 get-event-loop-in-coroutine::{ATC205}",
        f"::error file=tests/test_b.py,line=5,col=12,title=flake8-asynctest ATC204 event-loop-not-closed::{ATC204}",
        "::error file=tests/test_broken.py,line=1,col=12,title=flake8-asynctest E999 syntax-error::"
        "E999 SyntaxError: invalid syntax (file not checked)",
    ]


def test_github_annotations_escape_what_workflow_commands_reserve(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "test_a,b:c%.py").write_text(LOOP_NOT_CLOSED, encoding="utf-8")
    out = run(capsys, "--format", "github", str(tmp_path / "test_a,b:c%.py"))[1]
    assert out.startswith("::error file=test_a%2Cb%3Ac%25.py,line=5,col=12,title=")


def fingerprints(capsys):
    document = json.loads(run(capsys, "--format", "sarif", "tests/test_a.py")[1])
    results = document["runs"][0]["results"]
    return [(r["ruleId"], r["partialFingerprints"]["flake8AsynctestFinding/v1"]) for r in results]


def test_sarif_fingerprints_follow_a_finding_that_moves(tree, capsys):
    before = fingerprints(capsys)
    assert len({fingerprint for _, fingerprint in before}) == len(before) == 2
    path = tree / "tests" / "test_a.py"
    path.write_text("import os\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")  # every line moves
    assert fingerprints(capsys) == before
    path.write_text(path.read_text(encoding="utf-8").replace("test_never_runs", "test_renamed"), encoding="utf-8")
    assert fingerprints(capsys)[1] == before[1] and fingerprints(capsys)[0] != before[0]


def test_two_findings_on_identical_lines_get_two_fingerprints(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    again = "\n\ndef test_again():\n    loop = asyncio.new_event_loop()\n"
    (tmp_path / "test_a.py").write_text(LOOP_NOT_CLOSED + again)
    document = json.loads(run(capsys, "--isolated", "--format", "sarif", "test_a.py")[1])
    prints = [r["partialFingerprints"]["flake8AsynctestFinding/v1"] for r in document["runs"][0]["results"]]
    assert len(prints) == len(set(prints)) == 2


def test_each_rule_url_is_its_readme_section():
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", readme, re.MULTILINE):  # GitHub's anchors for headings
        anchors.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    for rule in RULES.values():
        base, _, anchor = rule.url.partition("#")
        assert base.endswith("/README.md") and anchor in anchors, rule.url


def test_show_url_in_text_and_github(tree, capsys):
    url = RULES["ATC204"].url
    assert run(capsys, "--show-url", "tests/test_b.py")[1] == f"tests/test_b.py:5:12: {ATC204} {url}\n"
    out = run(capsys, "--show-url", "--format", "github", "tests/test_b.py")[1]
    assert out.endswith(f"::{ATC204} ({url})\n")
    assert url not in run(capsys, "tests/test_b.py")[1]
