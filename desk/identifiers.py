"""Pure rules for the keys that find a person: phone, e-mail, national number, KBO number, name.

Normalising before storing and before searching is what stops one person from splitting in two
("0470 12 34 56" and "+32470123456" are the same phone). Identifiers are never stored in clear
text: only a keyed hash for lookup and a masked form for display.
"""

import contextlib
import functools
import hashlib
import hmac
import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from desk.errors import InvalidInput

DEFAULT_REGION = "BE"
NATIONAL_NUMBER = "national_number"
KBO_NUMBER = "kbo"
SEPARATORS = re.compile(r"[\s.\-/()]")


@functools.lru_cache(maxsize=4096)
def e164(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """E.164 ("+32470123456") from any form a person types, or None when it is no valid number.

    The one parser of phone numbers: the booking form, the record and the SMS outbox each ask it
    (a booking three times for one number), so it is cached; phonenumbers takes ~0.1 ms a call.
    """
    try:
        number = phonenumbers.parse(raw or "", region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=4096)
def mailbox(raw: str) -> str | None:
    """The e-mail address lower-cased whole (mailboxes that differ only in case are one person in
    practice), or None when it is not valid. The one e-mail check, cached like `e164`."""
    try:
        result = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return result.normalized.lower()


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """`e164`, or InvalidInput when it is no number."""
    number = e164(raw, region)
    if number is None:
        raise InvalidInput("invalid_phone", field="phone")
    return number


@functools.lru_cache(maxsize=4096)
def display_phone(e164: str) -> str:
    """The international form people read back on the phone: "+32 470 12 34 56". Cached:
    phonenumbers takes about 0.1 ms per number, and a desk shows the same numbers all day."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise_email(raw: str) -> str:
    """`mailbox`, or InvalidInput when it is not valid."""
    address = mailbox(raw)
    if address is None:
        raise InvalidInput("invalid_email", field="email")
    return address


def compact_digits(raw: str) -> str:
    return SEPARATORS.sub("", raw or "")


def national_number_is_valid(digits: str) -> bool:
    """Mod-97 check; people born from 2000 on compute it over "2" + the first nine digits."""
    if not re.fullmatch(r"\d{11}", digits):
        return False
    check = int(digits[9:])
    return check in (97 - int(digits[:9]) % 97, 97 - int("2" + digits[:9]) % 97)


def normalise_national_number(raw: str) -> str:
    """The 11 digits, with or without the usual dots and dash; InvalidInput on a bad check."""
    digits = compact_digits(raw)
    if not national_number_is_valid(digits):
        raise InvalidInput("invalid_national_number", field="national_number")
    return digits


def kbo_number_is_valid(digits: str) -> bool:
    """Ten digits starting 0 or 1; the last two are 97 minus the first eight modulo 97."""
    if not re.fullmatch(r"[01]\d{9}", digits):
        return False
    return int(digits[8:]) == 97 - int(digits[:8]) % 97


def normalise_kbo_number(raw: str) -> str:
    digits = compact_digits(raw).upper().removeprefix("BE")
    if len(digits) == 9:  # old numbers are written without their leading zero
        digits = "0" + digits
    if not kbo_number_is_valid(digits):
        raise InvalidInput("invalid_kbo_number", field="kbo_number")
    return digits


def format_national_number(digits: str) -> str:
    return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:11]}"


def mask_identifier(kind: str, digits: str) -> str:
    """Enough to confirm with the person ("ends in 45 67"), too little to reconstruct it."""
    if kind == NATIONAL_NUMBER:
        return f"**.**.**-*{digits[7:9]}.{digits[9:11]}"
    return f"****.***.{digits[7:10]}"


def identifier_key(config) -> bytes:
    """A dedicated IDENTIFIER_HASH_KEY, else one derived from SECRET_KEY.

    Rotating the key makes stored hashes unfindable, so production sets the dedicated key and
    keeps it when SECRET_KEY rotates.
    """
    dedicated = config.get("IDENTIFIER_HASH_KEY")
    if dedicated:
        return dedicated.encode() if isinstance(dedicated, str) else dedicated
    secret = config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, b"loket identifier hash key v1", hashlib.sha256).digest()


def identifier_digest(kind: str, digits: str, key: bytes) -> str:
    return hmac.new(key, f"{kind}:{digits}".encode(), hashlib.sha256).hexdigest()


def fold_name(name: str) -> str:
    """Case- and accent-free with single spaces, so "Dirk Van Damme" finds "dirk van dâmme"."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def search_keys(query: str) -> list[tuple[str, str]]:
    """What a search box entry can mean: (kind, normalised value) pairs, most specific first.

    A string of digits may be a phone number and an identifier at once; all plausible readings
    are returned and the search unions them.
    """
    text = (query or "").strip()
    if not text:
        return []
    if "@" in text:
        return [("email", text.lower())]
    compact = compact_digits(text)
    if re.fullmatch(r"\+?\d{6,15}", compact):
        keys = []
        if national_number_is_valid(compact):
            keys.append((NATIONAL_NUMBER, compact))
        kbo = ("0" + compact) if len(compact) == 9 else compact
        if kbo_number_is_valid(kbo):
            keys.append((KBO_NUMBER, kbo))
        with contextlib.suppress(InvalidInput):
            keys.append(("phone", normalise_phone(compact)))
        return keys
    folded = fold_name(text)
    return [("name", folded)] if folded else []
