"""Which sources feed which translation catalogue, and keeping the .po files in step with them.

Each package owns `<package>/translations/<lang>/LC_MESSAGES/messages.po`, fed by its Python code
and its folder under templates/ (core also by the shared templates at the root of templates/).
`python -m core.catalogs` extracts the strings and updates every catalogue; translators then fill
in the empty entries. Flask-Babel merges all catalogues at run time.
"""

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("nl", "fr", "en")
METHODS = {".py": "python", ".html": "jinja2"}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def catalogue_sources(package: str) -> list[Path]:
    if package == "core":
        files = [ROOT / "app.py", *sorted((ROOT / "core").glob("*.py"))]
        files += sorted(p for p in (ROOT / "templates").glob("*.html"))
        files += sorted((ROOT / "templates" / "errors").glob("*.html"))
        files += sorted((ROOT / "templates" / "macros").glob("*.html"))
        return files
    files = sorted((ROOT / package).rglob("*.py"))
    return files + sorted((ROOT / "templates" / package).rglob("*.html"))


def packages() -> list[str]:
    return sorted(p.parent.name for p in ROOT.glob("*/translations"))


def extract(package: str) -> Catalog:
    catalog = Catalog(project="Loket")
    for path in catalogue_sources(package):
        method = METHODS[path.suffix]
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        for lineno, message, comments, context in extract_from_file(
            method, str(path), keywords=KEYWORDS, options=options
        ):
            catalog.add(
                message,
                locations=[(str(path.relative_to(ROOT)), lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def po_path(package: str, language: str) -> Path:
    return ROOT / package / "translations" / language / "LC_MESSAGES" / "messages.po"


def read_catalog(package: str, language: str) -> Catalog:
    with po_path(package, language).open("rb") as handle:
        return read_po(handle, locale=language)


def update(package: str) -> None:
    template = extract(package)
    for language in LANGUAGES:
        path = po_path(package, language)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = (
            read_catalog(package, language)
            if path.exists()
            else Catalog(locale=language, fuzzy=False)
        )
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True)


def fill(package: str, language: str, translations: dict[str, str]) -> None:
    """Write translations (msgid -> msgstr) into a catalogue; unknown msgids are an error."""
    catalog = read_catalog(package, language)
    for msgid, msgstr in translations.items():
        if msgid not in catalog:
            raise KeyError(f"{package}/{language}: no msgid {msgid!r}; run the update first")
        catalog[msgid].string = msgstr
        catalog[msgid].flags.discard("fuzzy")
    catalog.fuzzy = False
    with po_path(package, language).open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True)


def untranslated(package: str, language: str) -> list[str]:
    catalog = read_catalog(package, language)
    return [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]


if __name__ == "__main__":
    # python -m core.catalogs [package ...]           extract and update the catalogues
    # python -m core.catalogs --fill PACKAGE LANG < translations.json
    if sys.argv[1:2] == ["--fill"]:
        fill(sys.argv[2], sys.argv[3], json.load(sys.stdin))
    else:
        for name in sys.argv[1:] or packages():
            update(name)
            missing = untranslated(name, "nl")
            print(f"updated {name}: {len(missing)} without a Dutch translation")
