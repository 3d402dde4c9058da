"""Expected failures of the domain; one place in the schema maps them to union members."""

from __future__ import annotations


class DomainError(Exception):
    code = "DOMAIN_ERROR"


class NotAllowed(DomainError):
    code = "NOT_ALLOWED"


class AccountMissing(DomainError):
    code = "UNAUTHENTICATED"
