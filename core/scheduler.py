"""The one scheduler process: `flask --app app scheduler` (and `--once` for cron and tests).

APScheduler 3 job stores must never be shared, and every gunicorn worker would run its own
copy, so jobs run here and only here. Packages register their jobs in create_app with
`register_job`; each job is idempotent (outbox keys, claimed rows), so `--once` after a crash
or a second run by hand is safe.
"""

import logging
import signal
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import with_appcontext

from core.database import utcnow
from extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    func: object  # called without arguments inside an app context
    seconds: int


def register_job(app, name: str, func, *, seconds: int) -> None:
    app.extensions.setdefault("loket_jobs", {})[name] = Job(name, func, seconds)


def jobs(app) -> list[Job]:
    return list(app.extensions.get("loket_jobs", {}).values())


def run_job(app, job: Job) -> None:
    with app.app_context():
        try:
            job.func()
        except Exception:
            db.session.rollback()
            log.exception("scheduled job %s failed", job.name)
        finally:
            db.session.remove()


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every job once, in order, then exit.")
@with_appcontext
def scheduler_command(once: bool) -> None:
    """Run the scheduled jobs (reminders, the outbox sender): the only process that may."""
    app = current_app._get_current_object()
    if once:
        for job in jobs(app):
            click.echo(f"running {job.name}")
            run_job(app, job)
        return
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="UTC")
    for job in jobs(app):
        scheduler.add_job(
            run_job,
            "interval",
            seconds=job.seconds,
            args=[app, job],
            id=job.name,
            max_instances=1,
            coalesce=True,
            next_run_time=utcnow(),
        )
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    click.echo(f"scheduler: {', '.join(j.name for j in jobs(app)) or 'no jobs'}")
    scheduler.start()
