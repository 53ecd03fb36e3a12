"""Valid Belgian identifiers for tests, computed by their own rules (not by the code under test)."""


def national_number(first_nine: str, born_2000: bool = False) -> str:
    base = int(("2" if born_2000 else "") + first_nine)
    return f"{first_nine}{97 - base % 97:02d}"


def dotted(digits: str) -> str:
    return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:11]}"


def kbo_number(first_eight: str) -> str:
    return f"{first_eight}{97 - int(first_eight) % 97:02d}"


JAN = national_number("850730033")  # 85.07.30-033.28, the textbook example
LISA = national_number("050412123", born_2000=True)  # born 2005
