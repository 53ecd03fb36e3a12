"""The demo's kiosk letters: the same every run, and a second run changes nothing."""

from sqlalchemy import select

from counter.demo import LETTERS
from counter.models import CounterServiceSetting
from extensions import db
from office.models import Service


def letters() -> dict[str, str]:
    db.session.commit()
    rows = db.session.execute(
        select(Service.name_nl, CounterServiceSetting.letter).join(
            CounterServiceSetting, CounterServiceSetting.service_id == Service.id
        )
    ).all()
    return dict(rows)


def test_seed_demo_gives_every_demo_service_its_letter_once(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert letters() == LETTERS
    assert len(set(LETTERS.values())) == len(LETTERS)  # the kiosk tells them apart
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert letters() == LETTERS
    assert db.session.query(CounterServiceSetting).count() == len(LETTERS)
