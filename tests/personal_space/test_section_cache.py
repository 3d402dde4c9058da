"""A section's cached copy: served while fresh, re-fetched after, served marked stale (with
when it was fetched) when the department fails, and never served when it was altered."""

from __future__ import annotations

import time
from typing import Any

import pytest

from connectors.errors import DepartmentUnavailable, NotFound
from kit.cache import InProcessCache
from kit.crypto import FieldCipher
from personal_space.section_cache import SectionCache

KEY = "section:licences:person-1"


class Department:
    def __init__(self) -> None:
        self.calls = 0
        self.failing: Exception | None = None

    async def __call__(self) -> list[str]:
        self.calls += 1
        if self.failing is not None:
            raise self.failing
        return [f"licence-{self.calls}"]


class CountingCipher(FieldCipher):
    opened = 0

    def open_json(self, sealed: bytes, *, context: str) -> Any | None:
        self.opened += 1
        return super().open_json(sealed, context=context)


def encode(item: str) -> dict[str, Any]:
    return {"name": item}


def decode(value: dict[str, Any]) -> str:
    return str(value["name"])


def sections(fresh_seconds: float) -> tuple[SectionCache, InProcessCache, CountingCipher]:
    cache, cipher = InProcessCache(), CountingCipher(b"k" * 32)
    return SectionCache(cache, cipher, fresh_seconds=fresh_seconds), cache, cipher


async def test_a_fresh_copy_is_served_without_asking_the_department() -> None:
    sections_cache, _, _ = sections(fresh_seconds=60)
    department = Department()
    first = await sections_cache.get(KEY, department, encode, decode)
    second = await sections_cache.get(KEY, department, encode, decode)
    assert department.calls == 1
    assert second.items == first.items == ["licence-1"]
    assert second.fetched_at == first.fetched_at
    assert not second.stale


async def test_past_freshness_the_department_is_asked_and_the_copy_is_not_opened() -> None:
    sections_cache, _, cipher = sections(fresh_seconds=0)
    department = Department()
    await sections_cache.get(KEY, department, encode, decode)
    again = await sections_cache.get(KEY, department, encode, decode)
    assert again.items == ["licence-2"]
    assert not again.stale
    # Opening the last copy is work for the day the department fails, not for every read.
    assert cipher.opened == 0


async def test_a_failing_department_gets_the_last_good_copy_marked_stale() -> None:
    sections_cache, _, _ = sections(fresh_seconds=0)
    department = Department()
    good = await sections_cache.get(KEY, department, encode, decode)
    department.failing = DepartmentUnavailable("licences", "省大数据局", "HTTP 503")
    stale = await sections_cache.get(KEY, department, encode, decode)
    assert stale.items == ["licence-1"]
    assert stale.stale
    assert stale.fetched_at == good.fetched_at


async def test_no_copy_and_a_failing_department_is_the_department_s_error() -> None:
    sections_cache, _, _ = sections(fresh_seconds=0)
    department = Department()
    department.failing = DepartmentUnavailable("licences", "省大数据局", "HTTP 503")
    with pytest.raises(DepartmentUnavailable):
        await sections_cache.get(KEY, department, encode, decode)


async def test_not_found_is_never_answered_from_the_copy() -> None:
    sections_cache, _, _ = sections(fresh_seconds=0)
    department = Department()
    await sections_cache.get(KEY, department, encode, decode)
    department.failing = NotFound("licences", "省大数据局", "not found")
    with pytest.raises(NotFound):
        await sections_cache.get(KEY, department, encode, decode)


async def test_a_copy_made_to_look_fresher_is_never_served() -> None:
    sections_cache, cache, _ = sections(fresh_seconds=60)
    department = Department()
    await sections_cache.get(KEY, department, encode, decode)
    raw = await cache.get(KEY)
    assert raw is not None
    _, _, sealed = raw.partition(b"|")
    await cache.set(KEY, repr(time.time() + 30).encode() + b"|" + sealed, 3600)
    # Not served as fresh: the department is asked again.
    assert (await sections_cache.get(KEY, department, encode, decode)).items == ["licence-2"]
    # Nor as the stale fallback.
    await cache.set(KEY, repr(time.time() - 3600).encode() + b"|" + sealed, 3600)
    department.failing = DepartmentUnavailable("licences", "省大数据局", "HTTP 503")
    with pytest.raises(DepartmentUnavailable):
        await sections_cache.get(KEY, department, encode, decode)


@pytest.mark.parametrize("raw", [b"not a copy", b"nan|xyz", b"|", b"1e400|xyz", b"12.5|not sealed"])
async def test_an_unreadable_copy_is_asked_for_again(raw: bytes) -> None:
    sections_cache, cache, _ = sections(fresh_seconds=1e12)
    await cache.set(KEY, raw, 3600)
    department = Department()
    assert (await sections_cache.get(KEY, department, encode, decode)).items == ["licence-1"]
    assert department.calls == 1
