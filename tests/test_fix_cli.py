"""``--fix``, ``--diff``, ``--fix-only`` and ``--unsafe-fixes``: what users run in pre-commit."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap

import pytest

from flake8_asynctest.cli import main

BUGGY = textwrap.dedent(
    """\
    import asyncio
    import unittest


    class TestX(unittest.TestCase):
        async def test_x(self):
            asyncio.sleep(0)
    """
)
FIXED = BUGGY.replace("unittest.TestCase", "unittest.IsolatedAsyncioTestCase").replace(
    "asyncio.sleep(0)", "await asyncio.sleep(0)"
)


def write(path, text, newline="\n"):
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def stamp(path):
    info = path.stat()
    return info.st_mtime_ns, path.read_bytes()


def test_fix_rewrites_and_reports_nothing_left(tmp_path, capsys):
    path = write(tmp_path / "test_a.py", BUGGY)
    assert main(["--fix", str(path)]) == 0
    out, err = capsys.readouterr()
    assert path.read_text() == FIXED
    assert out == ""
    assert "fixed 2 findings in 1 file" in err


def test_fixing_twice_changes_nothing(tmp_path, capsys):
    path = write(tmp_path / "test_a.py", BUGGY)
    main(["--fix", str(path)])
    before = stamp(path)
    assert main(["--fix", str(path)]) == 0
    assert stamp(path) == before
    assert "fixed 0 findings in 0 files" in capsys.readouterr().err


def test_a_file_with_nothing_to_fix_is_never_rewritten(tmp_path):
    path = write(tmp_path / "test_a.py", BUGGY.replace("asyncio.sleep(0)", "pass").replace("async def", "def"))
    before = stamp(path)
    assert main(["--fix", str(path)]) == 0
    assert stamp(path) == before


def test_diff_prints_and_writes_nothing(tmp_path, capsys):
    path = write(tmp_path / "test_a.py", BUGGY)
    before = stamp(path)
    assert main(["--diff", str(path)]) == 1
    out, err = capsys.readouterr()
    assert stamp(path) == before
    assert "-class TestX(unittest.TestCase):" in out and "+        await asyncio.sleep(0)" in out
    assert "ATC103" not in out and "would fix 2 findings" in err
    clean = write(tmp_path / "test_b.py", FIXED)
    assert main(["--diff", str(clean)]) == 0


def test_remaining_findings_are_reported_after_fixing(tmp_path, capsys):
    text = BUGGY + "\n\ndef test_sync():\n    asyncio.get_event_loop()\n"  # ATC202 outside a coroutine: no fix
    path = write(tmp_path / "test_a.py", text)
    assert main(["--fix", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out.count("ATC") == 1 and ":11:5: ATC202" in out
    assert "1 finding (0 fixable) remaining; fixed 2 findings" in err
    assert main(["--fix-only", str(path)]) == 0
    assert capsys.readouterr().out == ""


def test_noqa_lines_are_never_fixed(tmp_path):
    path = write(tmp_path / "test_a.py", BUGGY.replace("asyncio.sleep(0)", "asyncio.sleep(0)  # noqa: ATC101"))
    main(["--fix", str(path)])
    assert "        asyncio.sleep(0)  # noqa: ATC101" in path.read_text()
    assert "IsolatedAsyncioTestCase" in path.read_text()


def test_line_endings_bom_cookie_tabs_and_comments_survive(tmp_path):
    text = "# -*- coding: utf-8 -*-\n" + BUGGY.replace("    ", "\t").replace(
        "asyncio.sleep(0)", "asyncio.sleep(0)  # é"
    )
    path = tmp_path / "test_a.py"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    main(["--fix", str(path)])
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf# -*- coding: utf-8 -*-\r\n")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert "\t\tawait asyncio.sleep(0)  # é\r\n".encode() in data


def test_latin1_cookie(tmp_path):
    text = "# -*- coding: latin-1 -*-\n" + BUGGY.replace("asyncio.sleep(0)", "asyncio.sleep(0)  # caf\xe9")
    path = tmp_path / "test_a.py"
    path.write_bytes(text.encode("latin-1"))
    main(["--fix", str(path)])
    assert "await asyncio.sleep(0)  # caf\xe9".encode("latin-1") in path.read_bytes()


def test_permissions_are_kept(tmp_path):
    path = write(tmp_path / "test_a.py", BUGGY)
    os.chmod(path, 0o640)
    main(["--fix", str(path)])
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".atc-")]


UNSAFE = textwrap.dedent(
    """\
    import asyncio
    import unittest


    class TestX(unittest.IsolatedAsyncioTestCase):
        async def test_x(self):
            task = asyncio.create_task(asyncio.sleep(1))
            task.cancel()
            await self.client_closed()

        async def client_closed(self):
            pass
    """
)


def test_unsafe_fixes_need_the_flag(tmp_path, capsys):
    path = write(tmp_path / "test_a.py", UNSAFE)
    assert main(["--fix", str(path)]) == 1
    assert path.read_text() == UNSAFE
    assert "ATC303" in capsys.readouterr().out
    assert main(["--fix", "--unsafe-fixes", str(path)]) == 0
    assert "with contextlib.suppress(asyncio.CancelledError):\n            await task\n" in path.read_text()
    assert "import contextlib\n" in path.read_text()


def test_a_failing_fix_leaves_the_file_and_the_run_goes_on(tmp_path, capsys, monkeypatch):
    from flake8_asynctest.fixes import apply

    first = write(tmp_path / "test_a.py", BUGGY)
    second = write(tmp_path / "test_b.py", BUGGY)
    real = apply.fix_source
    monkeypatch.setattr(
        apply,
        "fix_source",
        lambda *a: (_ for _ in ()).throw(RuntimeError("boom")) if a[1].endswith("test_a.py") else real(*a),
    )
    assert main(["--fix", "-j1", str(tmp_path)]) == 2  # a file that could not be fixed is an error
    assert first.read_text() == BUGGY
    assert second.read_text() == FIXED
    err = capsys.readouterr().err
    assert "test_a.py: not fixed, left unchanged: RuntimeError: boom" in err
    assert "1 file left unchanged" in err


def test_checking_never_imports_libcst(tmp_path):
    path = write(tmp_path / "test_a.py", BUGGY)
    code = f"import sys\nfrom flake8_asynctest.cli import main\nmain([{str(path)!r}])\nprint('libcst' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip().endswith("False")


@pytest.mark.parametrize("flags", [["--fix"], ["--diff"]])
def test_fix_modes_work_in_parallel_runs(tmp_path, capsys, flags):
    for index in range(60):  # above the threshold where a pool is used
        write(tmp_path / f"test_{index}.py", BUGGY)
    main([*flags, "-j2", str(tmp_path)])
    verb = "fixed" if flags == ["--fix"] else "would fix"
    assert f"{verb} 120 findings in 60 files" in capsys.readouterr().err


def test_a_file_level_noqa_skips_the_file_and_the_summary_says_so(tmp_path, capsys):
    text = "# flake8: noqa\n" + BUGGY
    path = write(tmp_path / "test_a.py", text)
    write(tmp_path / "test_b.py", BUGGY)
    assert main(["--fix", "-j1", str(tmp_path)]) == 0
    assert path.read_text() == text
    assert "fixed 2 findings in 1 file; 1 file skipped by a file-level '# flake8: noqa'" in capsys.readouterr().err


LEGACY = textwrap.dedent(
    """\
    import asynctest
    from asynctest import GLOBAL, patch


    class TestX(asynctest.TestCase):
        @patch("os.getcwd", scope=GLOBAL)
        async def test_x(self, getcwd):
            pass
    """
)


def test_a_name_without_replacement_is_what_remains_of_a_migration(tmp_path, capsys):
    path = write(tmp_path / "test_a.py", LEGACY)
    assert main([str(path)]) == 1
    assert "3 findings (2 fixable)" in capsys.readouterr().err
    assert main(["--fix", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out.count("ATC601") == 1 and ":7:31: ATC601 asynctest.GLOBAL fails to import" in out
    assert "1 finding (0 fixable) remaining; fixed 2 findings in 1 file" in err
    assert "note: ATC601: migrated test cases keep asynctest's verdicts" in err
    text = path.read_text()
    assert "from asynctest import GLOBAL\n" in text and "from unittest.mock import patch\n" in text
    assert "class TestX(unittest.IsolatedAsyncioTestCase):" in text and "import unittest\n" in text
