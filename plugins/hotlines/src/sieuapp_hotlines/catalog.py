"""The numbers a citizen sees: the national ones every province shares, then the ones the
province configured. Only numbers with a public, official source are built in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sieuapp.sdk import LocalizedText, text

from . import phone

#: Categories in the order the page shows them; configured entries must use one of these.
CATEGORIES: dict[str, LocalizedText] = {
    "emergency": text("Khẩn cấp", "Emergency"),
    "social": text("Hỗ trợ xã hội", "Social support"),
    "public-service": text("Dịch vụ công", "Public services"),
    "health": text("Y tế", "Health"),
    "utilities": text("Điện, nước", "Electricity and water"),
    "transport": text("Giao thông", "Transport"),
    "tourism": text("Du lịch", "Tourism"),
}

NATIONAL = "national"
PROVINCE = "province"


@dataclass(frozen=True)
class Hotline:
    number: str
    name: LocalizedText
    category: str
    source: str
    description: LocalizedText | None = None

    def to_json(self, language: str) -> dict[str, Any]:
        return {
            "number": self.number,
            "display": phone.display(self.number),
            "tel": f"tel:{self.number}",
            "name": self.name.get(language),
            "description": self.description.get(language) if self.description else None,
            "category": self.category,
            "category_name": CATEGORIES[self.category].get(language),
            "source": self.source,
        }


#: Free of charge from every network, nationwide.
NATIONAL_HOTLINES: tuple[Hotline, ...] = (
    Hotline(
        "113",
        text("Công an", "Police"),
        "emergency",
        NATIONAL,
        text("Báo tin tội phạm, mất an ninh trật tự", "Report a crime or a threat to public order"),
    ),
    Hotline(
        "114",
        text("Cứu nạn, cứu hộ", "Fire and rescue"),
        "emergency",
        NATIONAL,
        text("Cháy, nổ, tai nạn, người mắc kẹt", "Fire, explosion, accident, people trapped"),
    ),
    Hotline(
        "115",
        text("Cấp cứu", "Ambulance"),
        "emergency",
        NATIONAL,
        text("Cấp cứu y tế, xe cứu thương", "Medical emergency, ambulance"),
    ),
    # The Prime Minister's decision of 15 September 2025 made 112 the nationwide number for
    # incidents, natural disasters and catastrophes, run by the provincial military commands.
    Hotline(
        "112",
        text("Sự cố, thiên tai, thảm họa", "Incidents and natural disasters"),
        "emergency",
        NATIONAL,
        text(
            "Yêu cầu trợ giúp, tìm kiếm cứu nạn khi bão lũ, sạt lở",
            "Help and search and rescue in storms, floods and landslides",
        ),
    ),
    Hotline(
        "111",
        text("Tổng đài quốc gia bảo vệ trẻ em", "National child protection hotline"),
        "social",
        NATIONAL,
        text(
            "Báo tin trẻ em bị xâm hại, bạo lực, bóc lột",
            "Report a child at risk of abuse, violence or exploitation",
        ),
    ),
)

NATIONAL_NUMBERS: frozenset[str] = frozenset(h.number for h in NATIONAL_HOTLINES)


def configured(entries: Iterable[Mapping[str, Any]]) -> list[Hotline]:
    """The province's entries, from their stored (already validated) form."""
    return [
        Hotline(
            number=entry["number"],
            name=text(entry["name"]["vi"], entry["name"]["en"]),
            category=entry["category"],
            source=PROVINCE,
        )
        for entry in entries
    ]


def hotlines(config: Mapping[str, Any], category: str | None = None) -> list[Hotline]:
    """Every number for the tenant, grouped by category in page order."""
    found = [*NATIONAL_HOTLINES, *configured(config.get("entries") or ())]
    if category is not None:
        found = [h for h in found if h.category == category]
    order = {name: i for i, name in enumerate(CATEGORIES)}
    # sorted() is stable: within a category, national numbers first, then the province's order.
    return sorted(found, key=lambda h: order[h.category])


def by_number(config: Mapping[str, Any]) -> dict[str, Hotline]:
    return {h.number: h for h in hotlines(config)}
