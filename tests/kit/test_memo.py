"""The per-request memo: concurrent and later readers share one run of the work and its outcome;
a reader giving up never takes the work away from the others."""

from __future__ import annotations

import asyncio

import pytest

from kit.memo import TaskMemo


class Work:
    def __init__(self, *, fails: bool = False) -> None:
        self.runs = 0
        self.release = asyncio.Event()
        self.fails = fails

    async def __call__(self) -> str:
        self.runs += 1
        await self.release.wait()
        if self.fails:
            raise LookupError(f"run {self.runs} failed")
        return f"run {self.runs}"


async def test_concurrent_and_later_readers_share_one_run() -> None:
    memo, work = TaskMemo(), Work()
    readers = [asyncio.create_task(memo.get("cases", work)) for _ in range(5)]
    await asyncio.sleep(0)
    work.release.set()
    assert await asyncio.gather(*readers) == ["run 1"] * 5
    assert await memo.get("cases", work) == "run 1"
    assert work.runs == 1


async def test_keys_are_separate() -> None:
    memo = TaskMemo()
    cases, bills = Work(), Work()
    cases.release.set()
    bills.release.set()
    assert await memo.get("cases", cases) == "run 1"
    assert await memo.get("bills", bills) == "run 1"
    assert (cases.runs, bills.runs) == (1, 1)


async def test_readers_share_the_failure_and_it_is_not_retried() -> None:
    memo, work = TaskMemo(), Work(fails=True)
    readers = [asyncio.create_task(memo.get("cases", work)) for _ in range(3)]
    await asyncio.sleep(0)
    work.release.set()
    outcomes = await asyncio.gather(*readers, return_exceptions=True)
    assert all(isinstance(o, LookupError) and str(o) == "run 1 failed" for o in outcomes)
    with pytest.raises(LookupError, match="run 1 failed"):
        await memo.get("cases", work)
    assert work.runs == 1


async def test_a_waiting_reader_that_gives_up_leaves_the_work_to_the_others() -> None:
    memo, work = TaskMemo(), Work()
    first = asyncio.create_task(memo.get("cases", work))
    quitter = asyncio.create_task(memo.get("cases", work))
    stayer = asyncio.create_task(memo.get("cases", work))
    await asyncio.sleep(0)
    quitter.cancel()
    work.release.set()
    assert await first == await stayer == "run 1"
    assert quitter.cancelled()
    assert work.runs == 1


async def test_when_the_first_reader_gives_up_a_waiting_one_does_the_work() -> None:
    memo, work = TaskMemo(), Work()
    first = asyncio.create_task(memo.get("cases", work))
    await asyncio.sleep(0)
    waiting = asyncio.create_task(memo.get("cases", work))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    work.release.set()
    assert await waiting == "run 2"
    assert first.cancelled()
    # And a reader after all that gets the finished work.
    assert await memo.get("cases", work) == "run 2"
