"""Gunicorn settings for `gunicorn 'app:create_app()'`, read from the working directory.

Command-line flags override these (the benchmark passes `-w`). The values are the ones
bench/booking.py measured best on a small machine; see the numbers in README.md.
"""

import gc
import multiprocessing

bind = "127.0.0.1:8000"
# Requests are short and CPU-bound on Python; while one worker waits for the database another
# can run, so two per core. Sync workers: threads would only share one GIL per process.
workers = 2 * multiprocessing.cpu_count()
worker_class = "sync"


def post_worker_init(worker):
    """Move the loaded application out of the garbage collector's sight.

    After start-up a worker holds ~120,000 long-lived objects (Flask, SQLAlchemy, Babel,
    templates). Every full collection walked all of them: 100-150 ms pauses on a busy two-core
    machine, landing on whichever request happened to allocate at that moment, and making up
    most of the slow tail of the slots API. Frozen objects are never collected (they live as
    long as the worker anyway); everything allocated later is collected as usual.
    """
    gc.freeze()
