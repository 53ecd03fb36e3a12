"""Text people type, checked once for what no person means to type.

Bidirectional controls (U+202E turns "Jan \u202eevil" around on screen), zero-width characters
and control characters (NUL among them) are invisible or reorder what staff read, so a name
or note that carries them is refused with a field message instead of stored and shown.
"""

import unicodedata

LINE_BREAKS = frozenset("\n\r\t")


def hidden_characters(text: str, *, multiline: bool = False) -> bool:
    """True when `text` holds a control or format character (Unicode categories Cc and Cf:
    bidi controls, zero-width spaces and joiners, NUL); line breaks pass in multi-line text."""
    allowed = LINE_BREAKS if multiline else frozenset()
    return any(unicodedata.category(char) in ("Cc", "Cf") and char not in allowed for char in text)
