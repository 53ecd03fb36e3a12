"""The scheduler process's own behaviour (its jobs are tested with their packages)."""

import logging

from core.scheduler import quiet_skipped_ticks
from extensions import db


def test_a_tick_skipped_while_a_pass_still_runs_is_not_logged_other_warnings_are(caplog):
    quiet_skipped_ticks()
    apscheduler = logging.getLogger("apscheduler.scheduler")
    with caplog.at_level(logging.WARNING):
        apscheduler.warning(
            'Execution of job "%s" skipped: maximum number of running instances reached (%d)',
            "sms.send_outbox",
            1,
        )
        apscheduler.warning('Run time of job "%s" was missed by %s', "sms.send_outbox", "0:00:03")
    assert caplog.messages == ['Run time of job "sms.send_outbox" was missed by 0:00:03']


def test_the_scheduler_can_run_one_job_alone_and_names_the_jobs_it_knows(app):
    from sms.models import MessageStatus, OutboxMessage
    from sms.outbox import queue_message

    row = queue_message(key="one-job", recipient="+32470123456", body="x", purpose="reminder")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["scheduler", "--once", "--job", "sms.send_outbox"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["running sms.send_outbox"]
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).status == MessageStatus.SENT

    unknown = runner.invoke(args=["scheduler", "--once", "--job", "sms.send_outbx"])
    assert unknown.exit_code == 2
    assert "no job sms.send_outbx" in unknown.output and "sms.send_outbox" in unknown.output
