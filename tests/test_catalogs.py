"""Dutch is the default language: every string in the code must have a Dutch translation."""

import pytest

from core import catalogs


@pytest.mark.parametrize("package", catalogs.packages())
def test_every_string_has_a_dutch_translation(package):
    extracted = {message.id for message in catalogs.extract(package) if message.id}
    dutch = catalogs.read_catalog(package, "nl")
    missing = sorted(
        str(msgid)
        for msgid in extracted
        if msgid not in dutch or not all_forms(dutch[msgid].string) or dutch[msgid].fuzzy
    )
    assert not missing, f"run `python -m core.catalogs {package}` and translate: {missing}"


def all_forms(string) -> bool:
    """A plural (ngettext) is translated only when every one of its forms is."""
    return all(string) if isinstance(string, tuple) else bool(string)


@pytest.mark.parametrize("package", catalogs.packages())
def test_every_plural_has_its_french_forms(package):
    french = catalogs.read_catalog(package, "fr")
    missing = [m.id for m in french if isinstance(m.id, tuple) and not all_forms(m.string)]
    assert not missing, f"translate every form of {missing}"


@pytest.mark.parametrize("package", catalogs.packages())
def test_french_and_english_catalogues_exist(package):
    for language in ("fr", "en"):
        assert catalogs.po_path(package, language).exists()


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_a_string_means_the_same_in_every_catalogue(language):
    """Flask-Babel merges the packages' catalogues into one, the last one's translation winning:
    a msgid translated two ways shows the wrong one somewhere ("Aantal" as the board's ticket
    column, "Balie" twice in the staff menu). A word with two meanings needs two msgids."""
    seen: dict[str, dict[str, str]] = {}
    for package in catalogs.packages():
        for message in catalogs.read_catalog(package, language):
            if message.id and message.string:
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                seen.setdefault(msgid, {})[package] = str(message.string)
    clashes = {msgid: found for msgid, found in seen.items() if len(set(found.values())) > 1}
    assert not clashes
