import gc
import os
import sys

from . import interrupts

# This process ends with the run, so it collects cyclic garbage in batches (checker.batched_gc)
# and skips interpreter teardown, which would otherwise traverse every syntax tree once more.
gc.disable()
with interrupts.handled():  # from here on, SIGINT and SIGTERM end the run with one line
    try:
        from .cli import EXIT_FINDINGS, main

        status = main()
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (`... | head`): stop quietly
        status = EXIT_FINDINGS
    except interrupts.Interrupted as stop:  # before main() took over
        status = interrupts.announce(stop)
sys.stderr.flush()
os._exit(status)
