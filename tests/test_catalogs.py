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
        if msgid not in dutch or not dutch[msgid].string or dutch[msgid].fuzzy
    )
    assert not missing, f"run `python -m core.catalogs {package}` and translate: {missing}"


@pytest.mark.parametrize("package", catalogs.packages())
def test_french_and_english_catalogues_exist(package):
    for language in ("fr", "en"):
        assert catalogs.po_path(package, language).exists()
