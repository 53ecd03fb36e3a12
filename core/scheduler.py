"""The one scheduler process: `flask --app app scheduler` (and `--once` for cron and tests).

APScheduler 3 job stores must never be shared, and every gunicorn worker would run its own
copy, so jobs run here and only here (`--job` splits them over processes, each job in one).
Packages register their jobs in create_app with `register_job`; each job is idempotent
(outbox keys, claimed rows), so `--once` after a crash or a second run by hand is safe.
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
    seconds: float


def _not_a_tick_skipped(record: logging.LogRecord) -> bool:
    """A job still running at its next tick skips that tick (max_instances=1): that is how a
    long pass works here (the sender keeps going while work waits), not a fault. APScheduler
    warns of it at every tick."""
    return "maximum number of running instances reached" not in str(record.msg)


def quiet_skipped_ticks() -> None:
    logging.getLogger("apscheduler.scheduler").addFilter(_not_a_tick_skipped)


def register_job(app, name: str, func, *, seconds: float) -> None:
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
@click.option(
    "--job",
    "names",
    multiple=True,
    help="Run only this job (repeatable), e.g. when `flask sms send` sends the outbox.",
)
@with_appcontext
def scheduler_command(once: bool, names: tuple[str, ...]) -> None:
    """Run the scheduled jobs (reminders, the outbox sender): the only process that may."""
    app = current_app._get_current_object()
    known = {job.name: job for job in jobs(app)}
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise click.BadParameter(
            f"no job {', '.join(unknown)}; the jobs are {', '.join(known)}", param_hint="--job"
        )
    chosen = [job for job in known.values() if not names or job.name in names]
    if once:
        for job in chosen:
            click.echo(f"running {job.name}")
            run_job(app, job)
        return
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="UTC")
    quiet_skipped_ticks()
    for job in chosen:
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
    click.echo(f"scheduler: {', '.join(j.name for j in chosen) or 'no jobs'}")
    scheduler.start()
