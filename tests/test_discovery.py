"""Which files a run reads: git's view of a work tree, the walk elsewhere, symlinks, encodings."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from flake8_asynctest.cli import main
from flake8_asynctest.discovery import python_files

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def touch(path, text="x = 1\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def found(root):
    return [os.path.relpath(path, root) for path in python_files(str(root))]


@needs_git
def test_git_work_tree_skips_what_gitignore_ignores(tmp_path):
    git(tmp_path, "init", "-q")
    touch(tmp_path / ".gitignore", "generated/\n*_gen.py\n")
    touch(tmp_path / "tests" / "test_a.py")
    touch(tmp_path / "tests" / "test_b_gen.py")
    touch(tmp_path / "generated" / "test_c.py")
    touch(tmp_path / "generated" / "test_tracked.py")
    git(tmp_path, "add", "-f", "generated/test_tracked.py")  # tracked despite the ignore rule: checked
    assert found(tmp_path) == [os.path.join("generated", "test_tracked.py"), os.path.join("tests", "test_a.py")]


@needs_git
def test_a_subdirectory_of_a_work_tree_is_listed_relative_to_it(tmp_path):
    git(tmp_path, "init", "-q")
    touch(tmp_path / ".gitignore", "*_gen.py\n")
    touch(tmp_path / "pkg" / "tests" / "test_a.py")
    touch(tmp_path / "pkg" / "tests" / "test_general.py")
    touch(tmp_path / "pkg" / "tests" / "b_gen.py")
    assert found(tmp_path / "pkg") == [os.path.join("tests", "test_a.py"), os.path.join("tests", "test_general.py")]


@needs_git
def test_a_directory_named_on_the_command_line_is_walked_even_when_git_ignores_it(tmp_path):
    git(tmp_path, "init", "-q")
    touch(tmp_path / ".gitignore", "vendored/\n")
    touch(tmp_path / "vendored" / "test_a.py")
    assert found(tmp_path) == []
    assert found(tmp_path / "vendored") == ["test_a.py"]


@needs_git
def test_skipped_directories_are_skipped_in_a_work_tree_too(tmp_path):
    git(tmp_path, "init", "-q")
    touch(tmp_path / "build" / "test_a.py")
    touch(tmp_path / "myenv" / "pyvenv.cfg", "home = /usr\n")
    touch(tmp_path / "myenv" / "test_b.py")
    touch(tmp_path / "test_c.py")
    (tmp_path / "test_deleted.py").touch()
    git(tmp_path, "add", "-A")
    (tmp_path / "test_deleted.py").unlink()  # still listed by git until the deletion is committed
    assert found(tmp_path) == ["test_c.py"]


def test_without_git_the_tree_is_walked(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()  # looks like a work tree, but git cannot be run
    touch(tmp_path / "tests" / "test_a.py")
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-dir"))
    assert found(tmp_path) == [os.path.join("tests", "test_a.py")]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlink_loops_are_not_followed_and_dangling_links_are_skipped(tmp_path):
    touch(tmp_path / "tests" / "test_a.py")
    os.symlink(tmp_path / "tests", tmp_path / "tests" / "loop")
    os.symlink(tmp_path, tmp_path / "tests" / "up")
    os.symlink(tmp_path / "missing.py", tmp_path / "tests" / "test_dangling.py")
    os.symlink(tmp_path / "tests" / "test_a.py", tmp_path / "tests" / "test_linked.py")
    assert found(tmp_path) == [os.path.join("tests", "test_a.py"), os.path.join("tests", "test_linked.py")]


@needs_git
@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlinked_directories_are_not_followed_in_a_work_tree(tmp_path):
    git(tmp_path, "init", "-q")
    touch(tmp_path / "tests" / "test_a.py")
    os.symlink(tmp_path / "tests", tmp_path / "tests" / "loop")
    os.symlink(tmp_path / "tests", tmp_path / "alias")
    assert found(tmp_path) == [os.path.join("tests", "test_a.py")]


def test_only_python_files_are_read_when_recursing(tmp_path):
    touch(tmp_path / "tests" / "test_a.py")
    for name in ("notes.txt", "test_b.pyc", "test_c.py.orig", "data.json", "test_d.pyi"):
        touch(tmp_path / "tests" / name)
    assert found(tmp_path) == [os.path.join("tests", "test_a.py")]


def test_non_utf8_file_gets_a_diagnostic_saying_where_and_what_to_do(tmp_path, capsys):
    path = tmp_path / "test_latin1.py"
    path.write_bytes(b"import unittest\n\nNAME = 'caf\xe9'\n")
    assert main([str(path)]) == 2
    out = capsys.readouterr().out
    assert out.startswith(f"{path}:3:12: E902 cannot decode file: byte 0xe9 at line 3, column 12 is not valid utf-8")
    assert "save the file as UTF-8 or declare its encoding" in out


def test_unknown_encoding_declaration_is_named(tmp_path, capsys):
    path = touch(tmp_path / "test_a.py", "# -*- coding: klingon -*-\nx = 1\n")
    assert main([str(path)]) == 2
    assert f"{path}:1:1: E902 cannot decode file: unknown encoding" in capsys.readouterr().out


def test_a_declared_encoding_is_honoured(tmp_path, capsys):
    path = tmp_path / "test_a.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n")
    assert main([str(path)]) == 0
    assert capsys.readouterr().out == ""
