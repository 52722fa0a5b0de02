"""National ID numbers (居民身份证号码): validation by GB 11643-1999, and masking."""

from __future__ import annotations

import re
from datetime import date

from registry import messages
from shared.messages import Message

_FORMAT = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"


class InvalidNationalId(ValueError):
    """A national ID number that cannot be right; `message` says why, without the number."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.en)
        self.message = message


def check_character(first_17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character of the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first_17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def normalise(raw: str) -> str:
    """The number as stored: spaces removed, a trailing x upper-cased; raises if invalid."""
    number = raw.strip().replace(" ", "").upper()
    if len(number) != 18:
        raise InvalidNationalId(messages.NATIONAL_ID_LENGTH)
    if not _FORMAT.match(number):
        raise InvalidNationalId(messages.NATIONAL_ID_FORMAT)
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise InvalidNationalId(messages.NATIONAL_ID_BIRTH_DATE) from exc
    if check_character(number[:17]) != number[17]:
        raise InvalidNationalId(messages.NATIONAL_ID_CHECK_DIGIT)
    return number


def birth_date_of(number: str) -> date:
    """The birth date encoded in a valid number."""
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def mask(number: str) -> str:
    """The number as people may see it: the first 3 and last 4 characters."""
    return f"{number[:3]}{'*' * (len(number) - 7)}{number[-4:]}"
