"""The default catalogue of service areas every new community starts with."""

from __future__ import annotations

from typing import NamedTuple


class DefaultArea(NamedTuple):
    """A service area of the default catalogue."""

    code: str
    name_zh: str
    name_en: str


DEFAULT_SERVICE_AREAS: tuple[DefaultArea, ...] = (
    DefaultArea("poverty_relief", "扶贫", "Poverty relief"),
    DefaultArea("housekeeping", "家政服务", "Housekeeping"),
    DefaultArea("healthcare", "医疗保健", "Healthcare"),
    DefaultArea("community_work", "社区工作", "Community work"),
    DefaultArea("legal_aid", "法律援助", "Legal aid"),
    DefaultArea("culture_sports", "文体宣传", "Culture and sports publicity"),
    DefaultArea("reproductive_health", "生育保健", "Reproductive health"),
    DefaultArea("elderly_care", "为老服务", "Elderly care"),
    DefaultArea("military_families", "拥军优属", "Support for military families"),
    DefaultArea("science_popularisation", "科普宣传", "Science popularisation"),
)
