"""A section's cached copy: served while fresh, re-fetched after, served marked stale (with
when it was fetched) when the department fails, and never served when it was altered."""

from __future__ import annotations

import time
from datetime import date

import pytest

from connectors.errors import DepartmentUnavailable, NotFound
from kit.cache import InProcessCache
from kit.crypto import FieldCipher
from personal_space.section_cache import SectionCache, items_codec
from personal_space.views import LicenceView

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

    def open(self, sealed: bytes, *, context: str) -> bytes | None:
        self.opened += 1
        return super().open(sealed, context=context)


CODEC = items_codec(str)


def sections(fresh_seconds: float) -> tuple[SectionCache, InProcessCache, CountingCipher]:
    cache, cipher = InProcessCache(), CountingCipher(b"k" * 32)
    return SectionCache(cache, cipher, fresh_seconds=fresh_seconds), cache, cipher


async def test_a_fresh_copy_is_served_without_asking_the_department() -> None:
    sections_cache, _, _ = sections(fresh_seconds=60)
    department = Department()
    first = await sections_cache.get(KEY, department, CODEC)
    second = await sections_cache.get(KEY, department, CODEC)
    assert department.calls == 1
    assert second.items == first.items == ["licence-1"]
    assert second.fetched_at == first.fetched_at
    assert not second.stale


async def test_past_freshness_the_department_is_asked_and_the_copy_is_not_opened() -> None:
    sections_cache, _, cipher = sections(fresh_seconds=0)
    department = Department()
    await sections_cache.get(KEY, department, CODEC)
    again = await sections_cache.get(KEY, department, CODEC)
    assert again.items == ["licence-2"]
    assert not again.stale
    # Opening the last copy is work for the day the department fails, not for every read.
    assert cipher.opened == 0


async def test_a_failing_department_gets_the_last_good_copy_marked_stale() -> None:
    sections_cache, _, _ = sections(fresh_seconds=0)
    department = Department()
    good = await sections_cache.get(KEY, department, CODEC)
    department.failing = DepartmentUnavailable("licences", "省大数据局", "HTTP 503")
    stale = await sections_cache.get(KEY, department, CODEC)
    assert stale.items == ["licence-1"]
    assert stale.stale
    assert stale.fetched_at == good.fetched_at


async def test_no_copy_and_a_failing_department_is_the_department_s_error() -> None:
    sections_cache, _, _ = sections(fresh_seconds=0)
    department = Department()
    department.failing = DepartmentUnavailable("licences", "省大数据局", "HTTP 503")
    with pytest.raises(DepartmentUnavailable):
        await sections_cache.get(KEY, department, CODEC)


async def test_not_found_is_never_answered_from_the_copy() -> None:
    sections_cache, _, _ = sections(fresh_seconds=0)
    department = Department()
    await sections_cache.get(KEY, department, CODEC)
    department.failing = NotFound("licences", "省大数据局", "not found")
    with pytest.raises(NotFound):
        await sections_cache.get(KEY, department, CODEC)


async def test_a_copy_made_to_look_fresher_is_never_served() -> None:
    sections_cache, cache, _ = sections(fresh_seconds=60)
    department = Department()
    await sections_cache.get(KEY, department, CODEC)
    raw = await cache.get(KEY)
    assert raw is not None
    _, _, sealed = raw.partition(b"|")
    await cache.set(KEY, repr(time.time() + 30).encode() + b"|" + sealed, 3600)
    # Not served as fresh: the department is asked again.
    assert (await sections_cache.get(KEY, department, CODEC)).items == ["licence-2"]
    # Nor as the stale fallback.
    await cache.set(KEY, repr(time.time() - 3600).encode() + b"|" + sealed, 3600)
    department.failing = DepartmentUnavailable("licences", "省大数据局", "HTTP 503")
    with pytest.raises(DepartmentUnavailable):
        await sections_cache.get(KEY, department, CODEC)


@pytest.mark.parametrize("raw", [b"not a copy", b"nan|xyz", b"|", b"1e400|xyz", b"12.5|not sealed"])
async def test_an_unreadable_copy_is_asked_for_again(raw: bytes) -> None:
    sections_cache, cache, _ = sections(fresh_seconds=1e12)
    await cache.set(KEY, raw, 3600)
    department = Department()
    assert (await sections_cache.get(KEY, department, CODEC)).items == ["licence-1"]
    assert department.calls == 1


async def test_department_models_and_views_come_back_as_they_were_cached() -> None:
    sections_cache, _, _ = sections(fresh_seconds=0)
    view = LicenceView(
        licence_id="L-1",
        type_code="111",
        type_name="居民身份证",
        number="5301**********3217",
        holder_name="张*",
        issuer="昆明市公安局",
        issued_on=date(2020, 1, 2),
        valid_from=date(2020, 1, 2),
        valid_until=None,
        status_code="01",
        status_name="有效",
    )

    async def licences() -> list[LicenceView]:
        return [view]

    await sections_cache.get(KEY, licences, items_codec(LicenceView))

    async def down() -> list[LicenceView]:
        raise DepartmentUnavailable("licences", "省大数据局", "HTTP 503")

    stale = await sections_cache.get(KEY, down, items_codec(LicenceView))
    assert stale.items == [view]
    assert stale.stale


async def test_a_copy_of_another_shape_is_asked_for_again() -> None:
    """After a release changes a section's items, copies cached by the old one are not served."""
    sections_cache, _, _ = sections(fresh_seconds=60)
    department = Department()
    await sections_cache.get(KEY, department, CODEC)

    async def counts() -> list[int]:
        return [7]

    assert (await sections_cache.get(KEY, counts, items_codec(int))).items == [7]
