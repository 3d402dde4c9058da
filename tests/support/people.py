"""Fresh, valid identifiers for people and companies that no seeded data knows."""

from __future__ import annotations

import itertools
import secrets
from datetime import date, timedelta

from kit.identifiers import id_check_digit, uscc_check_char

_serial = itertools.count(1)


def fresh_id_number(district: str = "530102") -> str:
    """A valid resident ID number (GB 11643 check digit) of an adult born 1960–1999."""
    born = date(1960, 1, 1) + timedelta(days=secrets.randbelow(365 * 40))
    first17 = f"{district}{born:%Y%m%d}{next(_serial) % 1000:03d}"
    return first17 + id_check_digit(first17)


def fresh_uscc() -> str:
    body = "91530102MA" + "".join(secrets.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7))
    return body + uscc_check_char(body)


def with_wrong_check_char(identifier: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return identifier[:-1] + next(c for c in alphabet if c != identifier[-1])
