"""The counter speaks to citizens as the rest of Loket does: "u" in Dutch, "vous" in French."""

import re

import pytest

from core import catalogs

INFORMAL = {
    "nl": re.compile(r"\b(je|jij|jou|jouw|jezelf)\b", re.I),
    "fr": re.compile(r"\b(tu|ton|ta|tes|toi)\b", re.I),
}


def strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_counter_never_addresses_anyone_informally(language):
    informal = [
        (message.id, text)
        for message in catalogs.read_catalog("counter", language)
        if message.id
        for text in strings(message)
        if INFORMAL[language].search(text)
    ]
    assert informal == []


def test_every_counter_string_has_a_french_translation():
    assert catalogs.untranslated("counter", "fr") == []
