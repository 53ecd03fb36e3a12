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


@pytest.mark.parametrize("package", catalogs.packages())
def test_french_puts_a_no_break_space_before_double_punctuation(package):
    """French typography: "Attente estimée : 5 minutes" never breaks before the colon. Not in
    an SMS: a no-break space is not in the GSM-7 alphabet and would double the message's price."""
    loose = [
        text
        for message in catalogs.read_catalog(package, "fr")
        if message.id
        and package == "counter"
        and not any(path.endswith("citizen_notices.py") for path, _line in message.locations)
        for text in strings(message)
        if re.search(r" [:;?!]", text)
    ]
    assert loose == []


@pytest.mark.parametrize("package", catalogs.packages())
def test_french_elides_before_a_name(package):
    """ "de %(name)s" reads "de Anna": French elides ("d'Anna"), which a format cannot know;
    the name goes where no article or preposition meets it."""
    clumsy = [
        text
        for message in catalogs.read_catalog(package, "fr")
        if message.id
        for text in strings(message)
        if re.search(r"\b(de|le|la|que) %\(name\)s", text)
    ]
    assert clumsy == []


def test_dutch_call_next_is_dutch():
    assert catalogs.read_catalog("counter", "nl")["Call next"].string == "Volgende roepen"
