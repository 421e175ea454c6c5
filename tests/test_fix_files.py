"""``--fix`` writes files as an editor does: in place (inode, owner, group, mode, links kept), never a
read-only file, never over another writer's change, never half a file whatever interrupts it."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys

import pytest

from flake8_asynctest.cli import main
from flake8_asynctest.fixes import files

from .test_fix_cli import BUGGY, FIXED, write

OTHER_UID = OTHER_GID = 54321  # nobody's: root gives the file away to it


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".atc-"))


def test_the_file_keeps_its_inode_mode_and_hard_links(tmp_path):
    path = write(tmp_path / "test_a.py", BUGGY)
    os.chmod(path, 0o640)
    os.link(path, tmp_path / "other_name.txt")
    before = path.stat()
    assert main(["--fix", str(path)]) == 0
    after = path.stat()
    assert (after.st_ino, after.st_dev, after.st_nlink) == (before.st_ino, before.st_dev, 2)
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert (tmp_path / "other_name.txt").read_text() == FIXED
    assert not leftovers(tmp_path)


def _give_away(path):
    try:
        os.chown(path, OTHER_UID, OTHER_GID)
    except PermissionError:
        pytest.skip("only root can give a file to another user")


def test_another_users_file_fixed_by_root_keeps_its_owner_and_group(tmp_path):
    path = write(tmp_path / "test_a.py", BUGGY)
    _give_away(path)
    assert main(["--fix", str(path)]) == 0
    assert path.read_text() == FIXED
    info = path.stat()
    assert (info.st_uid, info.st_gid) == (OTHER_UID, OTHER_GID)


@pytest.mark.parametrize("flags", [["--fix"], ["--fix-only"], ["--add-noqa"]])
def test_a_read_only_file_is_not_fixed_and_the_run_says_so(tmp_path, capsys, flags):
    """Even root: a file without write permission is read-only on purpose."""
    path = write(tmp_path / "test_a.py", BUGGY)
    os.chmod(path, 0o444)
    assert main([*flags, str(path)]) == 2
    assert path.read_text() == BUGGY
    err = capsys.readouterr().err
    assert f"{path}: " in err and "left unchanged: read-only (mode 0444)" in err
    assert "1 file left unchanged" in err


def test_a_symlink_named_on_the_command_line_has_its_target_fixed_once(tmp_path, capsys):
    (tmp_path / "real").mkdir()
    target = write(tmp_path / "real" / "test_a.py", BUGGY)
    link = tmp_path / "test_link.py"
    link.symlink_to(target)
    second = tmp_path / "test_link2.py"
    second.symlink_to(link)
    assert main(["--fix", str(link), str(second), str(target)]) == 0
    assert link.is_symlink() and second.is_symlink()
    assert target.read_text() == FIXED
    assert "1 file checked" in capsys.readouterr().err  # one file, whatever its names
    assert not leftovers(tmp_path) and not leftovers(tmp_path / "real")


def test_a_file_changed_while_it_is_fixed_is_fixed_again_from_its_new_content(tmp_path, monkeypatch, capsys):
    from flake8_asynctest.fixes import apply

    path = write(tmp_path / "test_a.py", BUGGY)
    theirs = BUGGY.replace("import asyncio\n", "import asyncio  # their edit\n")
    real = apply.fix_source
    calls = []

    def another_writer_meanwhile(data, *args):
        if not calls:
            path.write_text(theirs)  # saved in an editor while we were fixing
        calls.append(data)
        return real(data, *args)

    monkeypatch.setattr(apply, "fix_source", another_writer_meanwhile)
    assert main(["--fix", str(path)]) == 0
    assert path.read_text() == FIXED.replace("import asyncio\n", "import asyncio  # their edit\n")
    assert [data.decode() for data in calls] == [BUGGY, theirs]
    assert "fixed 2 findings in 1 file" in capsys.readouterr().err


def test_a_file_that_keeps_changing_is_left_to_the_other_writer(tmp_path, monkeypatch, capsys):
    from flake8_asynctest.fixes import apply

    path = write(tmp_path / "test_a.py", BUGGY)
    real = apply.fix_source
    edits = []

    def another_writer_every_time(data, *args):
        edits.append(f"# edit {len(edits)}\n")
        path.write_text(BUGGY + "".join(edits))
        return real(data, *args)

    monkeypatch.setattr(apply, "fix_source", another_writer_every_time)
    assert main(["--fix", str(path)]) == 2
    assert path.read_text() == BUGGY + "".join(edits)  # their last version, untouched
    assert "another program kept changing it" in capsys.readouterr().err


def test_two_runs_with_different_selections_lose_no_fix(tmp_path):
    for index in range(60):
        write(tmp_path / f"test_{index}.py", BUGGY)
    command = [sys.executable, "-m", "flake8_asynctest", "--isolated", "-q", "--fix-only", "-j2"]
    runs = [subprocess.Popen([*command, "--select", code, str(tmp_path)]) for code in ("ATC101", "ATC103")]
    assert [run.wait(timeout=300) for run in runs] == [0, 0]
    assert {p.read_text() for p in tmp_path.glob("test_*.py")} == {FIXED}
    assert not leftovers(tmp_path)


def test_the_new_text_goes_to_the_temporary_directory_when_the_files_directory_refuses_it(tmp_path, monkeypatch):
    path = write(tmp_path / "test_a.py", BUGGY)
    real = files.tempfile.mkstemp
    asides = []

    def refusing_the_directory(*args, dir=None, **kwargs):
        if dir is not None:
            raise PermissionError(13, "Permission denied")
        handle, name = real(*args, **kwargs)
        asides.append(name)
        return handle, name

    monkeypatch.setattr(files.tempfile, "mkstemp", refusing_the_directory)
    assert main(["--fix", str(path)]) == 0
    assert path.read_text() == FIXED
    assert len(asides) == 1 and os.path.basename(asides[0]).startswith(".atc-test_a.py.")
    assert not os.path.exists(asides[0])


def _interrupt_at(monkeypatch, step):
    """SIGINT this process the first time ``step`` of a write runs."""
    real = getattr(files.os, step)
    sent = []

    def interrupting(*args, **kwargs):
        result = real(*args, **kwargs)
        if not sent:
            sent.append(step)
            os.kill(os.getpid(), signal.SIGINT)
        return result

    monkeypatch.setattr(files.os, step, interrupting)
    return sent


@pytest.mark.parametrize("step", ["fdopen", "fsync", "unlink"])  # setting the text aside, copying it in, cleaning up
def test_an_interrupt_during_a_write_waits_for_the_file_to_be_whole(tmp_path, monkeypatch, capsys, step):
    first = write(tmp_path / "test_a.py", BUGGY)
    second = write(tmp_path / "test_b.py", BUGGY)
    sent = _interrupt_at(monkeypatch, step)
    assert main(["--fix", "-j1", str(tmp_path)]) == 130
    assert sent == [step]
    assert first.read_text() == FIXED and second.read_text() == BUGGY
    assert not leftovers(tmp_path)
    assert capsys.readouterr().err == "flake8-asynctest: interrupted by SIGINT\n"


def test_an_interrupt_turned_into_another_error_is_not_a_failed_fix(tmp_path, monkeypatch, capsys):
    """Ctrl-C inside libcst once surfaced as a KeyError and the run went on: it must stop the run."""
    from flake8_asynctest.fixes import apply

    first = write(tmp_path / "test_a.py", BUGGY)
    second = write(tmp_path / "test_b.py", BUGGY)

    def interrupted_inside_libcst(*args):
        try:
            os.kill(os.getpid(), signal.SIGINT)
        except BaseException:
            pass  # what a C extension's dictionary lookup does with it
        raise KeyError("Name")

    monkeypatch.setattr(apply, "fix_source", interrupted_inside_libcst)
    assert main(["--fix", "-j1", str(tmp_path)]) == 130
    assert first.read_text() == BUGGY and second.read_text() == BUGGY
    err = capsys.readouterr().err
    assert err == "flake8-asynctest: interrupted by SIGINT\n"


def test_a_write_that_fails_halfway_puts_the_old_bytes_back(tmp_path, monkeypatch, capsys):
    path = write(tmp_path / "test_a.py", BUGGY)
    real = files._overwrite
    failures = []

    def disk_full_once(handle, data):
        if not failures:
            failures.append(data)
            handle.seek(0)
            handle.write(data[: len(data) // 2])
            handle.flush()
            raise OSError(28, "No space left on device")
        real(handle, data)

    monkeypatch.setattr(files, "_overwrite", disk_full_once)
    assert main(["--fix", str(path)]) == 2
    assert failures and path.read_text() == BUGGY
    assert not leftovers(tmp_path)
    assert "not fixed, left unchanged: OSError: [Errno 28] No space left on device" in capsys.readouterr().err


def test_when_the_old_bytes_cannot_go_back_either_the_new_text_is_kept_beside_the_file(tmp_path, monkeypatch, capsys):
    path = write(tmp_path / "test_a.py", BUGGY)

    def broken_disk(handle, data):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(files, "_overwrite", broken_disk)
    assert main(["--fix", str(path)]) == 2
    [aside] = leftovers(tmp_path)
    assert (tmp_path / aside).read_text() == FIXED
    err = capsys.readouterr().err
    assert "writing it failed, and so did putting it back ([Errno 5] Input/output error)" in err
    assert f"the fixed text is in {tmp_path / aside}" in err


def test_a_file_the_user_may_not_write_is_not_fixed(tmp_path, monkeypatch, capsys):
    """Another user's 0644 file, for anyone but root (access(2) says no; root is told yes)."""
    path = write(tmp_path / "test_a.py", BUGGY)
    monkeypatch.setattr(files.os, "access", lambda path, mode: mode != os.W_OK)
    assert main(["--fix-only", str(path)]) == 2
    assert path.read_text() == BUGGY
    assert "not fixed, left unchanged: no permission to write it" in capsys.readouterr().err


def test_a_run_in_a_thread_of_another_program_leaves_its_signals_alone(tmp_path):
    import threading

    path = write(tmp_path / "test_a.py", BUGGY)
    statuses = []
    thread = threading.Thread(target=lambda: statuses.append(main(["--fix", "-q", str(path)])))
    thread.start()
    thread.join()
    assert statuses == [0] and path.read_text() == FIXED
