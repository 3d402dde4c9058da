"""The handful of domain errors every department failure maps into."""

from __future__ import annotations


class DepartmentError(Exception):
    code = "DEPARTMENT_ERROR"
    retryable = False

    def __init__(self, system: str, department: str, reason: str) -> None:
        super().__init__(f"{system}: {reason}")
        self.system = system
        self.department = department
        self.reason = reason


class DepartmentUnavailable(DepartmentError):
    code = "DEPARTMENT_UNAVAILABLE"
    retryable = True


class DepartmentTimeout(DepartmentError):
    code = "DEPARTMENT_TIMEOUT"
    retryable = True


class DepartmentRejected(DepartmentError):
    """The department understood the call and said no (4xx other than 404)."""

    code = "DEPARTMENT_REJECTED"


class NotFound(DepartmentError):
    code = "NOT_FOUND"
