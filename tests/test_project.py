"""Cross-file resolution: module lookup rules and the per-run module cache."""

from __future__ import annotations

import os
import textwrap

from flake8_asynctest.analysis.project import Project, default_search_path, is_opaque
from flake8_asynctest.catalogue import RULES
from flake8_asynctest.checker import check_source
from flake8_asynctest.settings import Settings


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def codes(path, search_path=(), resolve="imports"):
    settings = Settings(enabled=frozenset(RULES), search_path=tuple(map(str, search_path)), resolve=resolve)
    return [f.code for f in check_source(path.read_bytes(), str(path), settings).findings]


TEST = """\
    import unittest
    from lib.client import Client


    class T(unittest.IsolatedAsyncioTestCase):
        async def test_close(self):
            Client().close()
    """


def test_a_stub_wins_over_the_implementation(tmp_path):
    test = write(tmp_path / "tests" / "test_a.py", TEST)
    for site, stub in ((tmp_path / "plain", False), (tmp_path / "stubbed", True)):
        write(site / "lib" / "__init__.py", "")
        write(site / "lib" / "client.py", "class Client:\n    def close(self):\n        pass\n")
        if stub:
            write(site / "lib" / "client.pyi", "class Client:\n    async def close(self) -> None: ...\n")
        assert codes(test, [site]) == (["ATC101"] if stub else [])


def test_stub_only_packages_are_found(tmp_path):
    site = tmp_path / "site"
    write(site / "lib-stubs" / "__init__.pyi", "")
    write(site / "lib-stubs" / "client.pyi", "class Client:\n    async def close(self) -> None: ...\n")
    test = write(tmp_path / "tests" / "test_a.py", TEST)
    assert codes(test, [site]) == ["ATC101"]


def test_namespace_packages_and_same_file_mode(tmp_path):
    site = tmp_path / "site"
    write(site / "lib" / "client.py", "class Client:\n    async def close(self):\n        pass\n")  # no __init__.py
    test = write(tmp_path / "tests" / "test_a.py", TEST)
    assert codes(test, [site]) == ["ATC101"]
    assert codes(test, [site], resolve="file") == []


def test_a_changed_module_is_read_again(tmp_path):
    site = tmp_path / "site"
    module = write(site / "lib" / "client.py", "class Client:\n    async def close(self):\n        pass\n")
    test = write(tmp_path / "tests" / "test_a.py", TEST)
    assert codes(test, [site]) == ["ATC101"]
    module.write_text("class Client:\n    def close(self):\n        return 1\n", encoding="utf-8")
    stat = module.stat()
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert codes(test, [site]) == []


def test_unparsable_and_missing_modules_are_silent(tmp_path):
    site = tmp_path / "site"
    write(site / "lib" / "client.py", "class Client:\n    async def close(self\n")
    test = write(tmp_path / "tests" / "test_a.py", TEST)
    assert codes(test, [site]) == []
    other = write(tmp_path / "tests" / "test_b.py", TEST.replace("lib.client", "nowhere.client"))
    assert codes(other, [site]) == []


def test_the_stdlib_and_described_libraries_are_never_read():
    assert is_opaque("asyncio.sleep") and is_opaque("unittest.mock.patch") and is_opaque("pytest.fixture")
    assert not is_opaque("aiohttp.client.ClientSession")
    assert all("site-packages" in p or not p.startswith(os.path.dirname(os.__file__)) for p in default_search_path())


def test_each_module_is_parsed_once_per_run(tmp_path, monkeypatch):
    from flake8_asynctest.analysis import project as project_module

    site = tmp_path / "site"
    write(site / "lib" / "client.py", "class Client:\n    async def close(self):\n        pass\n")
    tests = [write(tmp_path / "tests" / f"test_{i}.py", TEST) for i in range(3)]
    parsed = []
    original = project_module._parse
    monkeypatch.setattr(project_module, "_parse", lambda *a: parsed.append(a[0]) or original(*a))
    project = Project((str(site),))
    settings = Settings(enabled=frozenset(RULES), search_path=(str(site),))
    monkeypatch.setattr("flake8_asynctest.checker._PROJECTS", {(str(site),): project})
    for test in tests:
        assert [f.code for f in check_source(test.read_bytes(), str(test), settings).findings] == ["ATC101"]
    assert parsed.count(str(site / "lib" / "client.py")) == 1
