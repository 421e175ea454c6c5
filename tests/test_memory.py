"""A checked file leaves no reference cycles: reference counting frees it at once, so a run over
thousands of files neither grows nor waits on the garbage collector."""

from __future__ import annotations

import gc

from flake8_asynctest.catalogue import RULES
from flake8_asynctest.checker import check_source
from flake8_asynctest.settings import Settings

from .annotations import FIXTURES, fixture_files


def test_checking_leaves_no_cyclic_garbage():
    settings = Settings(enabled=frozenset(RULES), search_path=(str(FIXTURES / "site"),))
    files = [(p, p.read_bytes()) for p in fixture_files()]
    for path, data in files:  # warm up: lazy imports and the cross-file module cache
        check_source(data, str(path), settings)
    enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        for path, data in files:
            result = check_source(data, str(path), settings)
            assert result.tree is not None
            del result
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()
