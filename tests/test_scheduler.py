"""The scheduler process's own behaviour (its jobs are tested with their packages)."""

import logging

from core.scheduler import quiet_skipped_ticks


def test_a_tick_skipped_while_a_pass_still_runs_is_not_logged_other_warnings_are(caplog):
    quiet_skipped_ticks()
    apscheduler = logging.getLogger("apscheduler.scheduler")
    with caplog.at_level(logging.WARNING):
        apscheduler.warning(
            'Execution of job "%s" skipped: maximum number of running instances reached (%d)',
            "appointments.record",
            1,
        )
        apscheduler.warning('Run time of job "%s" was missed by %s', "sms.send_outbox", "0:00:03")
    assert caplog.messages == ['Run time of job "sms.send_outbox" was missed by 0:00:03']
