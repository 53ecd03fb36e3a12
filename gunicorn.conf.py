"""Gunicorn settings read from the working directory; the command line sets the worker model.

Only what holds for every worker class (sync in the benchmark, gevent in production, see
README.md) lives here.
"""

import gc


def post_worker_init(worker):
    """Move the loaded application out of the garbage collector's sight.

    After start-up a worker holds ~120,000 long-lived objects (Flask, SQLAlchemy, Babel,
    templates). Every full collection walked all of them: 100-150 ms pauses on a busy two-core
    machine, landing on whichever request happened to allocate at that moment, and making up
    most of the slow tail of the slots API. Frozen objects are never collected (they live as
    long as the worker anyway); everything allocated later is collected as usual.
    """
    gc.freeze()
