"""Entry point of the frozen app: the same command line as ``outpost``."""

import multiprocessing

# A helper process (a large sync import checks records in one) starts this same executable: it must
# run the helper and stop here, not the app.
multiprocessing.freeze_support()

from cli.main import run  # noqa: E402

run()
