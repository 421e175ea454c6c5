"""pytest11 entry point: the runtime plugin on Python 3.11+, nothing on 3.10.

pytest loads every installed plugin in every session, and the runtime needs 3.11, so the plugin is
registered through this shim instead of directly (it would break pytest for 3.10 users)."""

import sys

pytest_plugins = ["flake8_asynctest.runtime.pytest_plugin"] if sys.version_info >= (3, 11) else []
