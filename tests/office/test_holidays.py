"""Belgian public holidays (the holidays package), named in the reader's language."""

from datetime import date

from office import holidays


def test_the_belgian_public_holidays_of_a_year():
    found = holidays.days(2026, 2026)
    assert date(2026, 12, 25) in found and date(2026, 1, 1) in found
    assert date(2026, 7, 21) in found and date(2026, 11, 11) in found  # national, armistice
    assert date(2026, 12, 26) not in found  # no holiday in Belgium
    assert len(found) == 12  # the ten legal holidays, and Easter Sunday and Whit Sunday
    assert holidays.days_between(date(2026, 12, 20), date(2027, 1, 5)) >= {date(2027, 1, 1)}


def test_names_in_each_language():
    christmas = date(2026, 12, 25)
    assert holidays.name(christmas, "nl") == "Kerstmis"
    assert holidays.name(christmas, "fr") == "Noël"
    assert holidays.name(christmas, "en") == "Christmas Day"
    assert holidays.name(date(2026, 12, 24), "nl") is None
    assert holidays.between(date(2026, 12, 1), date(2027, 1, 31), "nl") == [
        (christmas, "Kerstmis"),
        (date(2027, 1, 1), "Nieuwjaar"),
    ]
