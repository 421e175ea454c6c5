import gc
import sys

from .cli import main

# This process ends with the run: collect in batches (see checker.batched_gc) and skip the final
# traversal that re-enabling the collector would cost.
gc.disable()
sys.exit(main())
