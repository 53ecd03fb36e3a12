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

    The youngest generation is collected every 10,000 allocations instead of 700. With 1,000
    chat sockets open, each young collection moved the objects of the messages in flight
    into the old generation, which then grew fast enough to trigger a full collection every
    few seconds: 80-120 ms pauses, the whole slow tail of the chat round trip (p99 155 ms;
    26 ms after this change, bench/chat.py). Short-lived objects now die young.
    """
    gc.freeze()
    gc.set_threshold(10_000)
