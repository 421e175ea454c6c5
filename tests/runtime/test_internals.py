"""The private CPython names the runtime relies on exist here, and fail loudly if not."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from flake8_asynctest.runtime import PrivateAPIError, internals


def test_every_private_name_exists_on_this_python():
    assert internals.missing_private_names() == []


def test_a_moved_private_name_fails_loudly():
    class Loop:
        pass

    with pytest.raises(PrivateAPIError, match=r"relies on .*Loop\._scheduled, which Python 3\.\d+"):
        internals.scheduled_timers(Loop())


def test_runtime_refuses_python_before_3_11():
    code = ("import sys; sys.version_info = (3, 10, 14, 'final', 0)\n"
            "try:\n    import flake8_asynctest.runtime\n"
            "except ImportError as e:\n    print(e)\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=root, check=True).stdout
    assert "needs Python 3.11 or newer" in out


def test_package_root_re_exports_the_runtime_names():
    import flake8_asynctest
    from flake8_asynctest import runtime

    for name in ("TestCase", "ClockedTestCase", "fail_on", "strict", "lenient"):
        assert getattr(flake8_asynctest, name) is getattr(runtime, name)
