"""[tool.flake8-asynctest] in pyproject.toml: every key does what it says, mistakes name the key, flags win."""

from __future__ import annotations

import textwrap

import pytest

from flake8_asynctest.cli import main
from flake8_asynctest.config import ConfigError
from flake8_asynctest.config.plan import Plan
from flake8_asynctest.config.pyproject import load

NEVER_RUNS = textwrap.dedent(
    """\
    import unittest


    class TestX(unittest.TestCase):
        async def test_never_runs(self):
            pass
    """
)

OPT_IN = textwrap.dedent(
    """\
    import asyncio
    import unittest


    class TestX(unittest.TestCase):
        def test_by_hand(self):
            asyncio.run(asyncio.sleep(0))
    """
)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project directory, made the current one (configuration is found from there)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def configure(project, body):
    write(project / "pyproject.toml", "[project]\nname = 'demo'\n\n[tool.flake8-asynctest]\n" + textwrap.dedent(body))


def codes_reported(capsys, *args):
    status = main([*args])
    out = capsys.readouterr().out
    return status, sorted({line.split(": ")[1].split()[0] for line in out.splitlines()})


def test_no_configuration_means_the_defaults(project, capsys):
    write(project / "test_a.py", NEVER_RUNS)
    write(project / "pyproject.toml", "[project]\nname = 'demo'\n")
    assert codes_reported(capsys, ".") == (1, ["ATC103"])


@pytest.mark.parametrize(
    ("body", "reported"),
    [
        ('ignore = ["ATC103"]', []),
        ('extend-ignore = ["ATC1"]', []),
        ('select = ["ATC2"]', ["ATC203"]),  # names ATC203 more precisely than ATC: opted in
        ('select = "ATC1,ATC3"', ["ATC103"]),
        ('extend-select = ["ATC203"]', ["ATC103", "ATC203"]),
        ('ignore = ["ATC1"]\nextend-select = ["ATC103"]', ["ATC103"]),
    ],
)
def test_selection_keys(project, capsys, body, reported):
    write(project / "test_a.py", NEVER_RUNS)
    write(project / "test_b.py", OPT_IN)
    configure(project, body)
    assert codes_reported(capsys, ".")[1] == reported


def test_command_line_flags_override_the_file(project, capsys):
    write(project / "test_a.py", NEVER_RUNS)
    configure(project, 'ignore = ["ATC103"]')
    assert codes_reported(capsys, ".") == (0, [])
    assert codes_reported(capsys, "--ignore", "ATC2", ".") == (1, ["ATC103"])


def test_per_file_ignores_table(project, capsys):
    for directory in ("legacy", "legacy/deep", "tests"):
        write(project / directory / "test_a.py", NEVER_RUNS)
    configure(
        project,
        """\
        [tool.flake8-asynctest.per-file-ignores]
        "legacy/*" = ["ATC103"]
        "legacy/deep/*" = ["ATC2"]
        """,
    )
    main(["."])
    reported = [line.split(":")[0] for line in capsys.readouterr().out.splitlines()]
    # as in flake8, only the longest matching pattern applies: legacy/deep/* does not ignore ATC103
    assert reported == ["./legacy/deep/test_a.py", "./tests/test_a.py"]


def test_per_file_ignores_by_file_name_and_on_the_command_line(project, capsys):
    write(project / "a" / "test_x.py", NEVER_RUNS)
    write(project / "b" / "test_y.py", NEVER_RUNS)
    configure(project, 'per-file-ignores = { "test_x.py" = "ATC1" }')
    main(["."])
    assert [line.split(":")[0] for line in capsys.readouterr().out.splitlines()] == ["./b/test_y.py"]
    main(["--per-file-ignores", "b/*:ATC103", "."])  # replaces the file's table
    assert [line.split(":")[0] for line in capsys.readouterr().out.splitlines()] == ["./a/test_x.py"]


def test_per_file_ignore_patterns_are_relative_to_the_pyproject(project, capsys, monkeypatch):
    write(project / "pkg" / "legacy" / "test_a.py", NEVER_RUNS)
    configure(project, 'per-file-ignores = { "pkg/legacy/*" = ["ATC103"] }')
    monkeypatch.chdir(project / "pkg")  # found by looking up from here
    assert main(["."]) == 0


def test_scope_and_test_patterns(project, capsys):
    write(project / "app.py", "import asyncio\n\nasync def main():\n    asyncio.sleep(0)\n")
    write(project / "checks" / "login_spec.py", "import asyncio\n\nasync def check():\n    asyncio.sleep(0)\n")
    assert codes_reported(capsys, ".") == (0, [])
    configure(project, 'test-patterns = ["*_spec.py"]')
    assert main(["."]) == 1
    assert [line.split(":")[0] for line in capsys.readouterr().out.splitlines()] == ["./checks/login_spec.py"]
    configure(project, 'scope = "all"')
    assert main(["."]) == 1
    assert len(capsys.readouterr().out.splitlines()) == 2


CHECKS = """\
    import asyncio
    from inhouse import AsyncBase


    class Checks(AsyncBase):
        async def test_x(self):
            asyncio.sleep(0)
    """

PYTEST_SUITE = """\
    import inhouse
    import pytest


    @pytest.mark.inhouse_async
    async def test_x():
        inhouse.fetch()
    """


def test_knowledge_keys(project, capsys):
    write(project / "checks.py", CHECKS)
    write(project / "suite" / "pytest.ini", "[pytest]\nasyncio_mode = strict\n")
    write(project / "suite" / "test_p.py", PYTEST_SUITE)
    assert codes_reported(capsys, ".")[1] == ["ATC105"]
    configure(project, 'runner-bases = ["inhouse.AsyncBase"]')  # Checks is a test class: its body is test code
    assert codes_reported(capsys, ".")[1] == ["ATC101", "ATC105"]
    configure(project, 'coroutine-functions = ["inhouse.fetch"]')
    assert codes_reported(capsys, "suite")[1] == ["ATC101", "ATC105"]
    configure(project, 'runner-decorators = ["pytest.mark.inhouse_async"]')  # that mark runs the test
    assert codes_reported(capsys, "suite") == (0, [])
    assert codes_reported(capsys, "--asynctest-runner-decorators", "x.y", "suite")[1] == ["ATC105"]


READABLE_CLIENT = """\
    import functools


    def to_async(fn):  # runs fn in a thread and returns a coroutine: the checker cannot tell
        @functools.wraps(fn)
        def wrapper(*args):
            return run_in_thread(fn, *args)

        return wrapper


    class Client:
        @to_async
        def fetch(self, key):
            return key

        @to_async
        def close(self):
            pass


    @to_async
    def connect():
        return Client()
    """

READABLE_CLIENT_SUITE = """\
    import unittest

    from inhouse.client import Client, connect


    class TestClient(unittest.IsolatedAsyncioTestCase):
        async def test_x(self):
            Client().fetch(1)
            connect()
            self.assertTrue(Client().close())
    """


def test_coroutine_functions_name_code_the_checker_reads(project, capsys):
    """A function the user names is a coroutine function even where the checker reads its source
    and sees nothing async (a decorator it cannot follow): the user means it."""
    write(project / "inhouse" / "__init__.py", "")
    write(project / "inhouse" / "client.py", READABLE_CLIENT)
    write(project / "tests" / "test_client.py", READABLE_CLIENT_SUITE)
    configure(project, "")
    assert codes_reported(capsys, "tests") == (0, [])
    configure(project, 'coroutine-functions = ["inhouse.client.Client.fetch", "inhouse.client.connect"]')
    assert main(["tests"]) == 1
    lines = [line.split(":")[1] for line in capsys.readouterr().out.splitlines()]
    assert lines == ["8", "9"]  # close() is not named: assertTrue() on it is not judged
    configure(project, 'coroutine-functions = ["inhouse.client.Client"]')  # a class is no function
    assert codes_reported(capsys, "tests") == (0, [])


def test_rule_options_reach_the_settings(project):
    configure(project, "max-sleep = 2\nresolve = 'file'")
    assert load() == {"max_sleep": 2.0, "resolve": "file"}
    settings = Plan(load()).settings_for("test_a.py")
    assert (settings.max_sleep, settings.resolve) == (2.0, "file")
    assert Plan({}).settings_for("test_a.py").resolve == "imports"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("max_sleep = 1", "unknown key 'max_sleep' in [tool.flake8-asynctest]; did you mean 'max-sleep'?"),
        ("selekt = ['ATC']", "unknown key 'selekt' in [tool.flake8-asynctest]; did you mean 'select'?"),
        ("colour = 'red'", "unknown key 'colour' in [tool.flake8-asynctest]; known keys: select, ignore"),
        ("max-sleep = -1", "[tool.flake8-asynctest] max-sleep: must be >= 0, got -1"),
        ("max-sleep = 'soon'", "[tool.flake8-asynctest] max-sleep: 'soon' is not a number of seconds"),
        ("max-sleep = true", "[tool.flake8-asynctest] max-sleep: expected a number of seconds, got True"),
        ("scope = 'everything'", "[tool.flake8-asynctest] scope: expected one of 'tests', 'all', got 'everything'"),
        ("resolve = 'web'", "[tool.flake8-asynctest] resolve: expected one of 'imports', 'file', got 'web'"),
        ("select = ['ATC 1']", "[tool.flake8-asynctest] select: 'ATC 1' is not a code or prefix"),
        ("ignore = [103]", "[tool.flake8-asynctest] ignore: expected a list of codes"),
        ("extend-select = ['ATC-203']", "extend-select: 'ATC-203' matches no rule; did you mean ATC203?"),
        ("runner-bases = ['AsyncBase']", "[tool.flake8-asynctest] runner-bases: 'AsyncBase' is not a qualified name"),
        ("runner-decorators = [1]", "[tool.flake8-asynctest] runner-decorators: expected a list of qualified names"),
        ("coroutine-functions = ['a..b']", "[tool.flake8-asynctest] coroutine-functions: 'a..b' is not a qualified"),
        ("test-patterns = 3", "[tool.flake8-asynctest] test-patterns: expected a list of file globs"),
        ("per-file-ignores = ['x']", "[tool.flake8-asynctest] per-file-ignores: expected a table"),
        ("per-file-ignores = {'x.py' = ['nope']}", "[tool.flake8-asynctest] per-file-ignores: 'nope' matches no rule"),
        ("select = ['ATC999']", "[tool.flake8-asynctest] select: 'ATC999' matches no rule; the codes run from ATC101"),
        ("ignore = ['ATX101']", "[tool.flake8-asynctest] ignore: 'ATX101' matches no rule; did you mean ATC101?"),
        ("extend-ignore = ['task-dropped']", "extend-ignore: 'task-dropped' is a rule name; its code is ATC301"),
    ],
)
def test_configuration_mistakes_name_the_file_and_key_and_exit_2(project, capsys, body, message):
    write(project / "test_a.py", NEVER_RUNS)
    configure(project, body)
    assert main(["."]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"flake8-asynctest: {project / 'pyproject.toml'}: ")
    assert message in captured.err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--select", "ATC999"], "argument --select: 'ATC999' matches no rule; the codes run from ATC101 to ATC602"),
        (["--select", "XYZ"], "argument --select: 'XYZ' matches no rule"),
        (["--extend-select", "ATC23"], "argument --extend-select: 'ATC23' matches no rule; did you mean ATC203?"),
        (["--ignore", "sleep-as-synchronisation"], "'sleep-as-synchronisation' is a rule name; its code is ATC401"),
        (["--extend-ignore", "ATC7"], "argument --extend-ignore: 'ATC7' matches no rule"),
        (["--per-file-ignores", "tests/*:ATC1,ATC999"], "argument --per-file-ignores: 'ATC999' matches no rule"),
    ],
)
def test_unknown_codes_in_flags_are_usage_errors(project, capsys, flags, message):
    write(project / "test_a.py", NEVER_RUNS)
    with pytest.raises(SystemExit) as exit_info:
        main([*flags, "."])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert (captured.out, message in captured.err) == ("", True), captured.err


def test_the_catalogue_decides_which_codes_are_known():
    from flake8_asynctest.catalogue import RULES
    from flake8_asynctest.config.selection import unknown_code

    for code in RULES:
        assert [unknown_code(code[:length]) for length in range(1, 7)] == [None] * 6
    assert unknown_code("ATC000") is not None  # an internal error, not a rule
    assert unknown_code("") is not None


@pytest.mark.parametrize(
    ("flags", "body", "chosen"),
    [
        (["--select="], "scope = 'tests'", "select = []"),
        (["--ignore", "ATC"], "scope = 'tests'", "ignore = ['ATC']"),
        ([], 'select = ["ATC2"]\nignore = ["ATC2"]', "select = ['ATC2'], ignore = ['ATC2']"),
        ([], "select = []", "select = []"),
        (["--select", "ATC1"], 'extend-ignore = ["ATC1"]', "select = ['ATC1'], extend-ignore = ['ATC1']"),
    ],
)
def test_an_empty_selection_is_an_error(project, capsys, flags, body, chosen):
    write(project / "test_a.py", NEVER_RUNS)
    configure(project, body)
    assert main([*flags, "."]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"flake8-asynctest: no rule is selected ({chosen}; configuration: {project / 'pyproject.toml'}); "
        "see --list-rules\n"
    )


def test_a_per_file_ignore_may_switch_every_rule_off_for_its_files(project, capsys):
    write(project / "legacy" / "test_a.py", NEVER_RUNS)
    configure(project, 'per-file-ignores = { "legacy/*" = ["ATC"] }')
    assert main(["."]) == 0


@pytest.mark.parametrize("name", ["flake8_asynctest", "Flake8_AsyncTest", "flake8asynctest"])
def test_a_misspelt_table_name_gets_a_hint(project, capsys, name):
    write(project / "test_a.py", NEVER_RUNS)
    write(project / "pyproject.toml", f'[tool.{name}]\nselect = ["ATC1"]\n')
    assert main(["."]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"flake8-asynctest: {project / 'pyproject.toml'}: [tool.{name}] is not read; "
        "the table is [tool.flake8-asynctest]\n"
    )


def test_invalid_toml_is_an_error(project, capsys):
    write(project / "pyproject.toml", "[tool.flake8-asynctest]\nselect = [\n")
    assert main(["."]) == 2
    assert "pyproject.toml: not valid TOML" in capsys.readouterr().err


def test_a_table_that_is_not_a_table_is_an_error(project):
    write(project / "pyproject.toml", '[tool]\nflake8-asynctest = "on"\n')
    with pytest.raises(ConfigError, match=r"\[tool.flake8-asynctest\] must be a table"):
        load()


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        (["--asynctest-max-sleep", "-1"], "argument --asynctest-max-sleep: must be >= 0"),
        (["--select", "ATC 1"], "argument --select: 'ATC 1' is not a code"),
        (["--per-file-ignores", "tests/*"], "argument --per-file-ignores: expected GLOB:CODES pairs"),
        (["--asynctest-runner-bases", "Base"], "argument --asynctest-runner-bases: 'Base' is not a qualified name"),
        (["--jobs", "0"], "argument -j/--jobs: expected a number of processes >= 1 or 'auto'"),
    ],
)
def test_bad_flags_are_usage_errors(capsys, flag, message):
    with pytest.raises(SystemExit) as exit_info:
        main(flag)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_config_file_and_isolated(project, capsys):
    write(project / "test_a.py", NEVER_RUNS)
    configure(project, 'ignore = ["ATC103"]')
    write(project / "ci.toml", '[tool.flake8-asynctest]\nselect = ["ATC2"]\n')
    assert main(["."]) == 0
    assert main(["--isolated", "."]) == 1
    assert main(["--config", "ci.toml", "--extend-select", "ATC103", "."]) == 1
    capsys.readouterr()
    assert main(["--config", "missing.toml", "."]) == 2
    assert "missing.toml: no such configuration file" in capsys.readouterr().err
    write(project / "empty.toml", "[tool.other]\nx = 1\n")
    assert main(["--config", "empty.toml", "."]) == 2
    assert "empty.toml: no [tool.flake8-asynctest] table" in capsys.readouterr().err


def test_the_nearest_pyproject_with_a_table_wins(project, capsys, monkeypatch):
    write(project / "sub" / "test_a.py", NEVER_RUNS)
    configure(project, 'ignore = ["ATC103"]')
    write(project / "sub" / "pyproject.toml", "[project]\nname = 'sub'\n")  # no table: looked past
    monkeypatch.chdir(project / "sub")
    assert main(["."]) == 0
    configure(project / "sub", 'select = ["ATC1"]')
    assert main(["."]) == 1


def test_readme_documents_every_key_and_flake8_option():
    from flake8_asynctest.config.pyproject import KEYS
    from flake8_asynctest.plugin import OPTIONS

    from .annotations import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [key for key in KEYS if f"`{key}`" not in readme] == []
    assert [option for option in OPTIONS if f"`--{option}" not in readme or f"\n{option} = " not in readme] == []
