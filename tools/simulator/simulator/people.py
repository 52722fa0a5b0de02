"""The district's people, made up deterministically from a seed.

Everything here is plain data: names, valid national ID numbers (the registry checks the
check digit and the birth date inside), mobile numbers, categories and skills. The same
seed always makes the same people; different seeds use different region codes, so two
runs with different seeds never collide on a national ID number in one district.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国志红玉梅林海波宁晨"
CATEGORIES = ("serving_cadre", "retired_cadre", "resident", "youth", "student")
SKILLS = ("理发", "维修", "医护", "法律咨询", "书法", "电脑", "烹饪", "心理疏导", "")
AVAILABILITY = ("周末", "工作日晚上", "随时", "周三下午", "")
# The default service areas every community starts with (the registry's catalogue).
SERVICE_AREAS = (
    "elderly_care",
    "community_work",
    "healthcare",
    "poverty_relief",
    "culture_sports",
    "legal_aid",
)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_character(first17: str) -> str:
    """The national ID check character (ISO 7064 MOD 11-2)."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def national_id(region: str, born: date, sequence: int) -> str:
    """A valid 18-character national ID number."""
    first17 = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_character(first17)


@dataclass(frozen=True)
class Person:
    """One made-up resident of the district who volunteers."""

    name: str
    gender: str
    born: date
    national_id: str
    phone: str
    party_member: bool
    category: str
    skills: str
    availability: str
    service_areas: tuple[str, ...]


class Census:
    """Makes people for a seed; each call to `person` gives the next one."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.seed = seed
        self.region = f"{110000 + seed % 890000:06d}"
        self.count = 0

    def person(self) -> Person:
        """The next person: distinct national ID and phone for every call."""
        rng, index = self.random, self.count
        self.count += 1
        # 450 people per birth date, each with their own sequence number: no two alike.
        born = date(1950, 1, 1) + timedelta(days=index // 450)
        gender = rng.choice(("male", "female"))
        # The sequence's last digit is odd for men and even for women, as on real cards.
        sequence = 100 + (index % 450) * 2 + (1 if gender == "male" else 0)
        areas = tuple(sorted(rng.sample(SERVICE_AREAS, k=rng.randint(1, 3))))
        return Person(
            name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, k=rng.randint(1, 2))),
            gender=gender,
            born=born,
            national_id=national_id(self.region, born, sequence),
            phone=f"1{rng.choice('3589')}{(self.seed * 100_000 + index) % 10**9:09d}",
            party_member=rng.random() < 0.3,
            category=rng.choice(CATEGORIES),
            skills=rng.choice(SKILLS),
            availability=rng.choice(AVAILABILITY),
            service_areas=areas,
        )


def roster_csv(people: list[Person]) -> bytes:
    """A community's roster as the spreadsheet a community worker would upload."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["姓名", "性别", "电话", "身份证号", "党员", "类别", "特长", "服务时间", "服务领域"]
    )
    for person in people:
        writer.writerow(
            [
                person.name,
                "男" if person.gender == "male" else "女",
                person.phone,
                person.national_id,
                "是" if person.party_member else "否",
                person.category,
                person.skills,
                person.availability,
                ",".join(person.service_areas),
            ]
        )
    return out.getvalue().encode("utf-8-sig")
