"""``--jobs``: a pool of processes gives exactly what one process gives, in the same order."""

from __future__ import annotations

import json
import textwrap

import pytest

from flake8_asynctest import parallel
from flake8_asynctest.cli import main

BUGGY = textwrap.dedent(
    """\
    import asyncio
    import unittest


    class TestCase{n}(unittest.TestCase):
        async def test_never_runs_{n}(self):
            asyncio.sleep(0)

        def test_by_hand(self):
            asyncio.run(asyncio.sleep(0))
    """
)
CLEAN = "import unittest\n\n\nclass TestOk{n}(unittest.TestCase):\n    def test_ok(self):\n        pass\n"


@pytest.fixture
def big_tree(tmp_path, monkeypatch):
    """More files than a pool needs: buggy, clean, unparsable and undecodable ones, in nested packages."""
    for n in range(120):
        directory = tmp_path / f"pkg{n % 7}" / ("tests" if n % 2 else "legacy")
        directory.mkdir(parents=True, exist_ok=True)
        if n % 41 == 40:
            (directory / f"test_{n}.py").write_bytes(b"x = '\xff'\n")
        elif n % 23 == 22:
            (directory / f"test_{n}.py").write_text("def broken(:\n")
        else:
            (directory / f"test_{n}.py").write_text((BUGGY if n % 3 else CLEAN).format(n=n))
    # only the rules these examples are for: a rule added later must not change the counts
    config = '[tool.flake8-asynctest]\nselect = ["ATC101", "ATC103"]\nper-file-ignores = {"*/legacy/*" = ["ATC101"]}\n'
    (tmp_path / "pyproject.toml").write_text(config)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def pool_starts(monkeypatch):
    """How many pools the run started."""
    started = []
    real = parallel._in_pool

    def counting(paths, plan, jobs, *rest):
        started.append(jobs)
        return real(paths, plan, jobs, *rest)

    monkeypatch.setattr(parallel, "_in_pool", counting)
    return started


@pytest.mark.parametrize("output", [[], ["--format", "json", "--extend-select", "ATC203"]])
def test_jobs_give_identical_results_in_a_deterministic_order(big_tree, capsys, pool_starts, output):
    assert main([*output, "-j1", "."]) == 2  # the undecodable files
    one = capsys.readouterr()
    assert main([*output, "-j2", "."]) == 2
    two = capsys.readouterr()
    assert pool_starts == [2]
    assert (two.out, two.err) == (one.out, one.err)
    buggy = [n for n in range(120) if n % 3 and n % 41 != 40 and n % 23 != 22]
    # ATC103 in every buggy file, ATC101 outside legacy/, ATC203 when opted in: all fixable
    fixable = len(buggy) + len([n for n in buggy if n % 2]) + (len(buggy) if output else 0)
    found = fixable + 5  # and 5 files that do not parse: E999
    assert one.err == f"118 files checked: {found} findings ({fixable} fixable); 2 files could not be read\n"
    if output:
        document = json.loads(one.out)
        paths = [finding["path"] for finding in document["findings"]]
        assert paths == sorted(paths, key=lambda p: p.split("/"))
        assert {f["code"] for f in document["findings"]} == {"ATC101", "ATC103", "ATC203", "E999"}
        assert not any(f["code"] == "ATC101" and "/legacy/" in f["path"] for f in document["findings"])


def test_small_runs_and_one_job_stay_in_this_process(big_tree, capsys, pool_starts):
    assert main(["-j8", "pkg0/tests"]) == 1  # under the pool threshold
    assert main(["-j1", "."]) == 2
    assert pool_starts == []


def test_default_is_one_job_per_cpu(big_tree, capsys, pool_starts, monkeypatch):
    monkeypatch.setattr(parallel, "default_jobs", lambda: 3)
    main(["."])
    assert pool_starts == [3]


def test_what_crosses_process_boundaries_pickles(big_tree):
    """Where workers are spawned rather than forked (macOS, Windows), the plan and reports are pickled."""
    import pickle

    from flake8_asynctest.config.plan import Plan
    from flake8_asynctest.config.pyproject import load

    plan = pickle.loads(pickle.dumps(Plan({**load(), "runner_bases": ("x.Base",), "test_patterns": ("*_it.py",)})))
    legacy = "pkg0/legacy/test_0.py"
    narrowed = Plan(load()).settings_for(legacy).enabled
    assert plan.settings_for(legacy).enabled == narrowed != Plan({}).settings_for(legacy).enabled
    report = parallel.check_file("pkg1/tests/test_1.py", plan)
    copy = pickle.loads(pickle.dumps(report))
    assert [d.message for d in copy.diagnostics] == [d.message for d in report.diagnostics] != []
