"""What staff read for a stored code, in English: tests check the words, not only the code."""

from flask_babel import force_locale

from sms.reasons import reason_words


def english_reason(row) -> str:
    """An outbox row's reason as an English-speaking member of staff reads it."""
    with force_locale("en"):
        return reason_words(row)
