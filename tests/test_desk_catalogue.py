"""The desk speaks French as well as Dutch: every desk string is translated, placeholders intact."""

import re

import pytest

from core import catalogs
from tests.units import each_call_committed

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_desk_catalogue_is_complete_and_keeps_its_placeholders(language):
    extracted = {message.id for message in catalogs.extract("desk") if message.id}
    catalogue = catalogs.read_catalog("desk", language)
    assert catalogs.untranslated("desk", language) == []
    for msgid in extracted:
        translated = catalogue[msgid].string
        assert translated, msgid
        assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(msgid)), msgid


def test_the_party_page_in_french(client, make_staff, login):
    from desk import record

    login(make_staff(email="clerk@example.org"))
    jan = each_call_committed(record).find_or_create_party(name="Jan Peeters", phone="0470123456")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    html = client.get(f"/desk/parties/{jan.id}").get_data(as_text=True)
    assert "Tous les contacts, les plus récents d'abord" in html
    assert "Modifier le consentement et les préférences" in html
    page = client.get(f"/desk/parties/{jan.id}/contact").get_data(as_text=True)
    assert "Canal de notification préféré" in page and "Rappels de rendez-vous" in page
