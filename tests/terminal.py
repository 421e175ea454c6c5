"""Running the checker with one of its streams on a pseudo-terminal (POSIX only)."""

from __future__ import annotations

import os
import subprocess
import sys


def run_on_a_terminal(args, cwd, env=None, stream="stdout"):
    """Run the checker with ``stream`` ("stdout" or "stderr") on a pseudo-terminal, the other piped;
    what it wrote to the terminal."""
    import pty

    primary, secondary = pty.openpty()
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, stream: secondary}
    process = subprocess.Popen([sys.executable, "-m", "flake8_asynctest", *args], cwd=cwd, env=env, **streams)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # the terminal closed (Linux reports EIO)
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.communicate()
    os.close(primary)
    return b"".join(chunks).decode()
