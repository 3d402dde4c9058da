"""Check digits of Chinese identifiers: resident ID (GB 11643) and USCC (GB 32100)."""

from __future__ import annotations

import re

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_id_number(value: str) -> bool:
    value = value.upper()
    return bool(_ID_RE.match(value)) and id_check_digit(value[:17]) == value[17]


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def is_valid_uscc(value: str) -> bool:
    value = value.upper()
    return bool(_USCC_RE.match(value)) and uscc_check_char(value[:17]) == value[17]


def licence_check_char(body: str) -> str:
    """ISO 7064 MOD 11-2 over the identifier's alphanumerics (letters counted by position)."""
    total = 0
    for char in body:
        if char.isdigit():
            value = int(char)
        elif char.isalpha():
            value = ord(char.upper()) - 55
        else:
            continue
        total = (total + value) * 2 % 11
    check = (12 - total) % 11
    return "X" if check == 10 else str(check)


def licence_identifier(type_code: str, issuer_uscc: str, serial: str, version: str = "001") -> str:
    body = f"1.2.156.3005.2.{type_code}.{issuer_uscc}.{serial}.{version}"
    return f"{body}.{licence_check_char(body)}"


def is_valid_licence_identifier(value: str) -> bool:
    body, _, check = value.rpartition(".")
    return bool(body) and body.startswith("1.2.156.3005.2.") and licence_check_char(body) == check
