"""The service items (政务服务事项) the stateful simulators refer to: code, name, department, time limit.

A copy of `../shared/reference/service_items.csv` travels with the simulators so they run from
the repository alone; the codes and names are the ones the catalogue system serves.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ITEMS_FILE = Path(__file__).resolve().parent / "data" / "service_items.csv"
ITEM_CODE_PATTERN = r"^[A-Z]{2,4}-\d{3}$"


@dataclass(frozen=True)
class ServiceItem:
    code: str
    name: str
    department: str
    audience: str  # 自然人 | 法人
    kind: str
    theme: str
    fully_online: bool
    promised_days: int
    fee_yuan: int

    @property
    def for_companies(self) -> bool:
        return self.audience == "法人"


@cache
def service_items() -> dict[str, ServiceItem]:
    with ITEMS_FILE.open(encoding="utf-8", newline="") as handle:
        return {
            row["code"]: ServiceItem(
                code=row["code"],
                name=row["name"],
                department=row["department"],
                audience=row["audience"],
                kind=row["kind"],
                theme=row["theme"],
                fully_online=row["fully_online"] == "Y",
                promised_days=int(row["promised_days"]),
                fee_yuan=int(row["fee_yuan"]),
            )
            for row in csv.DictReader(handle)
        }


def local_department(department: str, prefecture: str) -> str:
    """The body in the applicant's prefecture that handles an item owned by a provincial department."""
    city = prefecture.removesuffix("市")
    if department.startswith("国家税务总局"):
        return f"国家税务总局{prefecture}税务局"
    if department.startswith("省"):
        body = department.removeprefix("省")
        if body.endswith("厅"):
            body = body.removesuffix("厅") + "局"
        return f"{prefecture}{body}"
    if department.startswith("云南"):
        return f"{department}{city}供电局"
    if department.endswith("企业"):
        return f"{city}{department.removesuffix('企业')}公司"
    return f"{city}{department}"
