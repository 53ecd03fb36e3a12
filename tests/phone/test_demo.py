"""The demo's phone lines: the same every run, a second run changes nothing, and a demo call
hears the menu."""

from sqlalchemy import select

from extensions import db
from phone.demo import LINES
from phone.models import PhoneLine


def test_seed_demo_offers_three_lines_once(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.commit()
    lines = db.session.scalars(select(PhoneLine).order_by(PhoneLine.digit)).all()
    assert [(line.digit, line.queue_name) for line in lines] == [
        (digit, queue_name) for _name, digit, _spoken, queue_name in LINES
    ]
    assert all(line.service.locations for line in lines)  # hours to keep
