"""Who a record is about: a person (居民身份证, id type 111) or a company (统一社会信用代码, 001)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from kit.identifiers import is_valid_id_number, is_valid_uscc
from simulators.common.population import PREFECTURES, Company, Person

IdType = Literal["111", "001"]
PREFECTURE_NAMES = {code: name for code, name, _ in PREFECTURES}
PERSON_ID_TYPE: IdType = "111"
COMPANY_ID_TYPE: IdType = "001"


class Party(BaseModel):
    id_type: IdType = Field(description="111 居民身份证 / 001 统一社会信用代码")
    id_number: str = Field(min_length=18, max_length=18)
    name: str = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _check_digit(self) -> Self:
        self.id_number = self.id_number.upper()
        valid = is_valid_id_number if self.id_type == PERSON_ID_TYPE else is_valid_uscc
        if not valid(self.id_number):
            raise ValueError("证件号码校验位不正确")
        return self

    @property
    def is_company(self) -> bool:
        return self.id_type == COMPANY_ID_TYPE


# The population's numbers carry valid check digits already; skipping validation keeps start-up quick.
def person_party(person: Person) -> Party:
    return Party.model_construct(id_type=PERSON_ID_TYPE, id_number=person.id_number, name=person.name)


def company_party(company: Company) -> Party:
    return Party.model_construct(id_type=COMPANY_ID_TYPE, id_number=company.uscc, name=company.name)


def prefecture_of(party: Party) -> str:
    """The prefecture a person's ID number or a company's credit code was issued in."""
    digits = party.id_number[2:6] if party.is_company else party.id_number[:4]
    return PREFECTURE_NAMES.get(digits + "00", "昆明市")
