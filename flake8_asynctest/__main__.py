import gc
import os
import sys

from .cli import EXIT_FINDINGS, main

# This process ends with the run, so it collects cyclic garbage in batches (checker.batched_gc)
# and skips interpreter teardown, which would otherwise traverse every syntax tree once more.
gc.disable()
try:
    status = main()
    sys.stdout.flush()
except BrokenPipeError:  # the reader went away (`... | head`): stop quietly
    status = EXIT_FINDINGS
sys.stderr.flush()
os._exit(status)
