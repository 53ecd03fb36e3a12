"""Racing threads for the concurrency tests: no double booking, unique numbers, one answer."""

import threading

from extensions import db


def race(app, count, work):
    """Start `count` threads that wait at one barrier, then all run `work(index)` at once.
    Returns each thread's result (by index) and the errors raised, for the test to assert."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(index):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[index] = work(index)
            except Exception as error:  # collected and asserted by the test
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors
