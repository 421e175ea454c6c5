"""Fixes leave no import unused: a name a fix stopped using goes from the import block when nothing
else in the module mentions it; everything else in the block stays as it was."""

from __future__ import annotations

import textwrap

from flake8_asynctest.fixes.engine import fix_source

from .test_fixtures import EVERYTHING

TEST = """

class TestX(unittest.IsolatedAsyncioTestCase):
    async def test_x(self):
        task = asyncio.create_task(self.work())
        time.sleep(0.01)
        await task

    async def work(self):
        pass
"""


def fixed(source):
    new, applied, _ = fix_source(textwrap.dedent(source).encode(), "test_a.py", EVERYTHING)
    assert applied
    return new.decode()


def test_an_import_the_fix_made_unused_goes():
    new = fixed("import asyncio\nimport time\nimport unittest\n" + TEST)
    assert new.startswith("import asyncio\nimport unittest\n\n\nclass TestX")
    assert "await asyncio.sleep(0.01)" in new


def test_a_name_still_used_elsewhere_stays():
    new = fixed("import asyncio\nimport time\nimport unittest\n" + TEST + "\n\nSTARTED = time.monotonic()\n")
    assert "import time\n" in new


def test_a_name_only_mentioned_in_a_comment_or_a_string_stays():
    for mention in ("# time is of the essence\n", "__all__ = ['time']\n"):
        new = fixed("import asyncio\nimport time\nimport unittest\n" + mention + TEST)
        assert "import time\n" in new


def test_an_import_unused_before_the_fix_is_not_ours_to_remove():
    new = fixed("import asyncio\nimport os\nimport time\nimport unittest\n" + TEST)
    assert "import os\n" in new and "import time\n" not in new


MOCKS = """\
    import unittest
    # the mocks we use
    from unittest.mock import (
        MagicMock,
        patch,
    )


    async def fetch():
        return 1


    class TestX(unittest.IsolatedAsyncioTestCase):
        async def test_x(self):
            with patch(f"{__name__}.fetch", new=MagicMock()):
                pass
    """


def test_a_renamed_mock_is_imported_in_place_of_the_old_one():
    new = fixed(MOCKS)
    assert "# the mocks we use\nfrom unittest.mock import (\n    AsyncMock,\n    patch,\n)\n" in new
    assert "new=AsyncMock()" in new and "MagicMock" not in new


def test_a_statement_left_empty_goes_and_the_comment_above_it_stays():
    new = fixed("import asyncio\n\n# timing, for the pauses\nimport time\nimport unittest\n" + TEST)
    assert new.startswith("import asyncio\n\n# timing, for the pauses\nimport unittest\n\n\nclass TestX")


def test_a_mock_import_that_only_loses_a_name_keeps_its_place():
    layout = "from unittest.mock import (\n        MagicMock,\n        patch,\n    )"
    source = MOCKS.replace(layout, "from unittest.mock import MagicMock")
    new = fixed(source.replace("patch(f", "unittest.mock.patch(f"))
    assert new.startswith("import unittest\n# the mocks we use\nfrom unittest.mock import AsyncMock\n\n\nasync def")


def test_the_first_import_going_leaves_no_blank_line_at_the_top():
    new = fixed("import time\n\nimport asyncio\nimport unittest\n" + TEST)
    assert new.startswith("import asyncio\nimport unittest\n\n\nclass TestX")
