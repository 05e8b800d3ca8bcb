"""The platform's own catalog of what citizens of Huế report ("phản ánh hiện trường"), seeded into
every tenant; admins edit it afterwards, plugins add their own categories beside it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sieuapp.sdk import LocalizedText, ReportChoice, ReportQuestion
from sieuapp.sdk import ReportCategory as CategorySpec
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.models import AuditEntry
from ..tenancy.models import Organization
from ..text import fold
from .models import ReportAttribute, ReportCategory

T = LocalizedText


@dataclass(frozen=True)
class CoreCategory:
    """A catalog entry: the SDK's category shape plus what only the core decides."""

    spec: CategorySpec
    #: Sent to the people's committee of the report's ward or commune.
    route_to_commune: bool = False
    reminder_days: int = 1
    dispute_days: int = 7


def _choices(*pairs: tuple[str, str, str]) -> tuple[ReportChoice, ...]:
    return tuple(ReportChoice(key, T(vi, en)) for key, vi, en in pairs)


INFRASTRUCTURE = T("Hạ tầng đô thị", "Urban infrastructure")
ENVIRONMENT = T("Môi trường", "Environment")
ORDER = T("Trật tự đô thị, an ninh", "Urban order and security")
CULTURE = T("Văn hóa, du lịch", "Culture and tourism")

CORE_CATALOG: tuple[CoreCategory, ...] = (
    CoreCategory(
        CategorySpec(
            code="road-damage",
            name=T("Hư hỏng mặt đường, ổ gà", "Road damage and potholes"),
            description=T(
                "Ổ gà, sụt lún, nứt vỡ mặt đường, hư hỏng cầu cống, biển báo giao thông.",
                "Potholes, subsidence, cracked roads, damaged bridges, culverts or road signs.",
            ),
            organization="so-xay-dung",
            group=INFRASTRUCTURE,
            keywords=("ổ gà", "mặt đường", "sụt lún", "biển báo", "pothole", "road"),
            deadline_days=5,
            duplicate_radius_m=50,
            questions=(
                ReportQuestion(
                    "severity",
                    "singlevaluelist",
                    T("Mức độ nguy hiểm", "How dangerous is it?"),
                    required=True,
                    choices=_choices(
                        ("low", "Nhẹ, chưa ảnh hưởng đi lại", "Minor, traffic unaffected"),
                        ("medium", "Gây khó khăn cho xe cộ", "Hinders traffic"),
                        ("high", "Nguy hiểm, dễ gây tai nạn", "Dangerous, may cause accidents"),
                    ),
                ),
                ReportQuestion(
                    "size_m",
                    "number",
                    T("Chiều dài vùng hư hỏng ước tính (mét)", "Estimated length damaged (m)"),
                ),
            ),
        )
    ),
    CoreCategory(
        CategorySpec(
            code="street-lighting",
            name=T("Đèn chiếu sáng công cộng", "Street lighting"),
            description=T(
                "Đèn đường không sáng, chập chờn, sáng ban ngày; cột đèn nghiêng đổ, hở điện.",
                "Street lights out, flickering or lit by day; leaning poles, exposed wiring.",
            ),
            organization="so-xay-dung",
            group=INFRASTRUCTURE,
            keywords=("đèn đường", "chiếu sáng", "cột đèn", "street light", "lamp"),
            deadline_days=3,
            duplicate_radius_m=50,
            questions=(
                ReportQuestion(
                    "pole_number",
                    "string",
                    T("Số hiệu ghi trên cột đèn (nếu có)", "Number painted on the pole, if any"),
                ),
                ReportQuestion(
                    "problem",
                    "singlevaluelist",
                    T("Hiện tượng", "What is wrong?"),
                    required=True,
                    choices=_choices(
                        ("off", "Không sáng", "Not lit"),
                        ("flicker", "Chập chờn", "Flickering"),
                        ("daytime", "Sáng ban ngày", "Lit during the day"),
                        ("pole", "Cột nghiêng, hở điện", "Leaning pole or exposed wiring"),
                    ),
                ),
            ),
        )
    ),
    CoreCategory(
        CategorySpec(
            code="waste",
            name=T("Rác thải, vệ sinh môi trường", "Waste and sanitation"),
            description=T(
                "Rác tồn đọng, đổ rác trái phép, thùng rác đầy, xác động vật trên đường.",
                "Uncollected or dumped waste, overflowing bins, dead animals on the street.",
            ),
            group=ENVIRONMENT,
            keywords=("rác", "vệ sinh", "đổ trộm", "thùng rác", "waste", "garbage"),
            deadline_days=2,
            duplicate_radius_m=100,
            questions=(
                ReportQuestion(
                    "waste_kind",
                    "multivaluelist",
                    T("Loại rác", "Kind of waste"),
                    required=True,
                    choices=_choices(
                        ("household", "Rác sinh hoạt", "Household waste"),
                        ("construction", "Xà bần, vật liệu xây dựng", "Construction debris"),
                        ("hazardous", "Chất thải nguy hại", "Hazardous waste"),
                        ("animal", "Xác động vật", "Dead animal"),
                    ),
                ),
            ),
        ),
        route_to_commune=True,
    ),
    CoreCategory(
        CategorySpec(
            code="flooding",
            name=T("Ngập úng, thoát nước", "Flooding and drainage"),
            description=T(
                "Đường ngập sau mưa, cống tắc, hố ga mất nắp, nước thải tràn ra đường.",
                "Streets flooded after rain, blocked drains, missing manhole covers, overflow.",
            ),
            organization="so-xay-dung",
            group=INFRASTRUCTURE,
            keywords=("ngập", "úng", "cống", "hố ga", "thoát nước", "flood", "drain"),
            deadline_days=3,
            duplicate_radius_m=200,
            questions=(
                ReportQuestion(
                    "depth_cm",
                    "number",
                    T("Nước ngập sâu khoảng bao nhiêu cm?", "About how deep is the water (cm)?"),
                    required=True,
                ),
                ReportQuestion(
                    "since",
                    "datetime",
                    T("Ngập từ lúc nào?", "Flooded since when?"),
                ),
            ),
        )
    ),
    CoreCategory(
        CategorySpec(
            code="water-supply",
            name=T("Sự cố cấp nước", "Water supply problem"),
            description=T(
                "Vỡ ống nước, mất nước, nước đục hoặc có mùi.",
                "Burst mains, no water, cloudy or smelly tap water.",
            ),
            organization="huewaco",
            group=INFRASTRUCTURE,
            keywords=("vỡ ống", "mất nước", "nước đục", "cấp nước", "water", "pipe"),
            deadline_days=2,
            duplicate_radius_m=150,
            questions=(
                ReportQuestion(
                    "problem",
                    "singlevaluelist",
                    T("Sự cố", "Problem"),
                    required=True,
                    choices=_choices(
                        ("burst", "Vỡ ống, rò rỉ", "Burst or leaking pipe"),
                        ("outage", "Mất nước", "No water"),
                        ("quality", "Nước đục, có mùi", "Cloudy or smelly water"),
                    ),
                ),
                ReportQuestion(
                    "customer_code",
                    "string",
                    T("Mã khách hàng trên hóa đơn nước", "Customer number on the water bill"),
                ),
            ),
        )
    ),
    CoreCategory(
        CategorySpec(
            code="sidewalk-encroachment",
            name=T("Lấn chiếm vỉa hè, lòng đường", "Pavement and street encroachment"),
            description=T(
                "Buôn bán, để xe, vật liệu, biển quảng cáo chiếm vỉa hè hoặc lòng đường.",
                "Stalls, parked vehicles, materials or signs blocking pavements or streets.",
            ),
            group=ORDER,
            keywords=("lấn chiếm", "vỉa hè", "lòng đường", "buôn bán", "sidewalk", "pavement"),
            deadline_days=5,
            duplicate_radius_m=50,
            questions=(
                ReportQuestion(
                    "what",
                    "multivaluelist",
                    T("Lấn chiếm bằng gì?", "What is in the way?"),
                    choices=_choices(
                        ("stall", "Hàng quán", "Stalls or tables"),
                        ("vehicles", "Xe cộ", "Vehicles"),
                        ("materials", "Vật liệu xây dựng", "Building materials"),
                        ("signs", "Biển quảng cáo", "Advertising signs"),
                    ),
                ),
            ),
        ),
        route_to_commune=True,
    ),
    CoreCategory(
        CategorySpec(
            code="trees",
            name=T("Cây xanh", "Trees"),
            description=T(
                "Cây gãy đổ, nghiêng, cành khô có nguy cơ rơi; chặt cây trái phép.",
                "Fallen, leaning or dead trees and branches at risk; illegal felling.",
            ),
            organization="so-xay-dung",
            group=ENVIRONMENT,
            keywords=("cây xanh", "cây đổ", "cành", "chặt cây", "tree", "branch"),
            deadline_days=3,
            duplicate_radius_m=50,
            questions=(
                ReportQuestion(
                    "danger_note",
                    "string",
                    T(
                        "Cây đổ chắn đường hoặc đè lên người, xe: gọi ngay 114.",
                        "A tree blocking a road or on people or vehicles: call 114 now.",
                    ),
                    variable=False,
                ),
                ReportQuestion(
                    "state",
                    "singlevaluelist",
                    T("Tình trạng cây", "State of the tree"),
                    required=True,
                    choices=_choices(
                        ("fallen", "Đã gãy đổ", "Fallen"),
                        ("leaning", "Nghiêng, có nguy cơ đổ", "Leaning, may fall"),
                        ("branches", "Cành khô, có thể rơi", "Dead branches may fall"),
                        ("felled", "Bị chặt trái phép", "Felled illegally"),
                    ),
                ),
            ),
        )
    ),
    CoreCategory(
        CategorySpec(
            code="public-order",
            name=T("An ninh trật tự", "Public order and security"),
            description=T(
                "Tụ tập gây rối, đua xe, cờ bạc, trộm cắp vặt; việc khẩn cấp xin gọi 113.",
                "Brawls, street racing, gambling, petty theft; for emergencies call 113.",
            ),
            organization="cong-an-hue",
            group=ORDER,
            keywords=("an ninh", "gây rối", "đua xe", "trộm", "security", "police"),
            deadline_days=3,
            duplicate_radius_m=100,
            questions=(
                ReportQuestion(
                    "ongoing",
                    "singlevaluelist",
                    T("Việc này còn đang diễn ra?", "Is it still going on?"),
                    required=True,
                    choices=_choices(("yes", "Có", "Yes"), ("no", "Không", "No")),
                ),
                ReportQuestion(
                    "seen_at",
                    "datetime",
                    T("Thời điểm chứng kiến", "When did you see it?"),
                ),
            ),
        )
    ),
    CoreCategory(
        CategorySpec(
            code="illegal-construction",
            name=T("Xây dựng trái phép, sai phép", "Unpermitted construction"),
            description=T(
                "Công trình không phép, sai phép, lấn chiếm đất công, gây mất an toàn.",
                "Building without or against a permit, on public land, or unsafely.",
            ),
            group=ORDER,
            keywords=("xây dựng", "trái phép", "sai phép", "lấn đất", "construction", "permit"),
            deadline_days=10,
            duplicate_radius_m=30,
            questions=(
                ReportQuestion(
                    "permit_sign",
                    "singlevaluelist",
                    T("Công trình có treo biển báo giấy phép?", "Is a permit sign displayed?"),
                    choices=_choices(
                        ("yes", "Có", "Yes"),
                        ("no", "Không", "No"),
                        ("unknown", "Không rõ", "Not sure"),
                    ),
                ),
                ReportQuestion(
                    "started",
                    "datetime",
                    T("Bắt đầu thi công từ khi nào?", "When did the works start?"),
                ),
            ),
        ),
        route_to_commune=True,
    ),
    CoreCategory(
        CategorySpec(
            code="noise",
            name=T("Ô nhiễm tiếng ồn", "Noise"),
            description=T(
                "Karaoke, loa thùng, công trình thi công, cơ sở sản xuất gây ồn, nhất là ban đêm.",
                "Karaoke, loudspeakers, building sites or workshops making noise, mostly at night.",
            ),
            group=ENVIRONMENT,
            keywords=("tiếng ồn", "karaoke", "loa", "ồn ào", "noise", "loud"),
            deadline_days=3,
            duplicate_radius_m=100,
            questions=(
                ReportQuestion(
                    "source",
                    "singlevaluelist",
                    T("Nguồn gây ồn", "Source of the noise"),
                    required=True,
                    choices=_choices(
                        ("karaoke", "Karaoke, loa thùng", "Karaoke or loudspeakers"),
                        ("works", "Công trình thi công", "Building works"),
                        ("workshop", "Cơ sở sản xuất, kinh doanh", "Workshop or business"),
                        ("other", "Khác", "Other"),
                    ),
                ),
                ReportQuestion(
                    "when",
                    "multivaluelist",
                    T("Thường xảy ra vào", "Usually happens in the"),
                    choices=_choices(
                        ("morning", "Buổi sáng", "Morning"),
                        ("afternoon", "Buổi chiều", "Afternoon"),
                        ("evening", "Buổi tối", "Evening"),
                        ("night", "Ban đêm (sau 22 giờ)", "Night (after 10 pm)"),
                    ),
                ),
            ),
        ),
        route_to_commune=True,
    ),
    CoreCategory(
        CategorySpec(
            code="pollution",
            name=T("Ô nhiễm môi trường", "Pollution"),
            description=T(
                "Khói bụi, mùi hôi, xả nước thải ra sông Hương và kênh rạch, đốt rác.",
                "Smoke, dust, foul smells, waste water let into the Perfume River or canals.",
            ),
            organization="so-nong-nghiep-moi-truong",
            group=ENVIRONMENT,
            keywords=("ô nhiễm", "khói bụi", "mùi hôi", "nước thải", "pollution", "smell"),
            deadline_days=7,
            duplicate_radius_m=300,
            questions=(
                ReportQuestion(
                    "medium",
                    "multivaluelist",
                    T("Ô nhiễm ở đâu?", "What is polluted?"),
                    required=True,
                    choices=_choices(
                        ("air", "Không khí", "Air"),
                        ("water", "Nguồn nước", "Water"),
                        ("soil", "Đất", "Soil"),
                    ),
                ),
                ReportQuestion(
                    "suspected_source",
                    "text",
                    T("Nguồn gây ô nhiễm bạn nghi ngờ", "Where you think it comes from"),
                ),
            ),
        )
    ),
    CoreCategory(
        CategorySpec(
            code="heritage-tourism",
            name=T("Di tích, du lịch", "Heritage sites and tourism"),
            description=T(
                "Xâm hại di tích Cố đô, chèo kéo, chặt chém du khách, hướng dẫn viên không phép.",
                "Damage to the Imperial City's monuments, touting, overcharging tourists, "
                "unlicensed guides.",
            ),
            organization="so-van-hoa-the-thao-du-lich",
            group=CULTURE,
            keywords=("di tích", "du lịch", "chèo kéo", "chặt chém", "heritage", "tourist"),
            deadline_days=5,
            duplicate_radius_m=200,
            questions=(
                ReportQuestion(
                    "site",
                    "string",
                    T("Tên di tích hoặc điểm du lịch", "Name of the monument or attraction"),
                    required=True,
                ),
                ReportQuestion(
                    "details",
                    "text",
                    T(
                        "Diễn biến (giá bị đòi, người liên quan...)",
                        "What happened (price asked, people involved...)",
                    ),
                ),
            ),
        )
    ),
)

CORE_CODES: frozenset[str] = frozenset(c.spec.code for c in CORE_CATALOG)


def catalog_problems() -> list[str]:
    """What is wrong with the catalog above, checked as strictly as a plugin's categories."""
    found: list[str] = []
    for i, entry in enumerate(CORE_CATALOG):
        found.extend(entry.spec.problems(f"CORE_CATALOG[{i}]"))
    codes = [c.spec.code for c in CORE_CATALOG]
    if len(codes) != len(set(codes)):
        found.append("CORE_CATALOG: codes must be unique")
    return found


def keywords_text(keywords: Iterable[str]) -> str:
    """Keywords as stored, and as Open311 shows them: comma-separated ("ổ gà, pothole")."""
    cleaned = (" ".join(k.replace(",", " ").split()) for k in keywords)
    return ", ".join(k for k in cleaned if k)


def keyword_list(text: str) -> list[str]:
    return [k.strip() for k in text.split(",") if k.strip()]


def search_name(name: str, name_en: str, keywords: str) -> str:
    return fold(f"{name} {name_en} {keywords.replace(',', ' ')}")[:600]


def attribute_rows(category_id: int, questions: Iterable[ReportQuestion]) -> list[ReportAttribute]:
    """A category's questions as rows (also how a plugin's questions are stored)."""
    return [
        ReportAttribute(
            category_id=category_id,
            code=q.code,
            datatype=q.datatype,
            required=q.required,
            variable=q.variable,
            order=order,
            description=q.description.vi,
            description_en=q.description.en,
            datatype_description="",
            values=[{"key": c.key, "name": c.name.vi, "name_en": c.name.en} for c in q.choices],
        )
        for order, q in enumerate(questions, start=1)
    ]


def _audited_codes(session: Session, tenant_id: int) -> set[str]:
    targets = session.scalars(
        select(AuditEntry.target).where(
            AuditEntry.tenant_id == tenant_id, AuditEntry.action.like("report_category.%")
        )
    )
    return {t.removeprefix("report_category:") for t in targets if t}


def ensure_core_categories(session: Session, tenant_id: int) -> int:
    """Add the catalog's categories the tenant lacks; returns how many were added or completed.

    An existing category is left as it is, except that one never touched by an admin and still
    without its organization (the tenant had no such organization when it was seeded) is given
    it once the organization exists. An organization a tenant lacks leaves the IOC routing."""
    existing = {
        c.code: c
        for c in session.scalars(
            select(ReportCategory).where(ReportCategory.tenant_id == tenant_id)
        )
    }
    organizations = dict(
        session.execute(
            select(Organization.code, Organization.id).where(
                Organization.tenant_id == tenant_id, Organization.active.is_(True)
            )
        ).all()
    )
    changed = 0
    edited: set[str] | None = None
    for entry in CORE_CATALOG:
        spec = entry.spec
        org_id = organizations.get(spec.organization) if spec.organization else None
        current = existing.get(spec.code)
        if current is not None:
            if current.source != "core" or current.organization_id is not None or org_id is None:
                continue
            if edited is None:
                edited = _audited_codes(session, tenant_id)
            if spec.code not in edited:
                current.organization_id = org_id
                changed += 1
            continue
        keywords = keywords_text(spec.keywords)
        group = spec.group or T("", "")
        category = ReportCategory(
            tenant_id=tenant_id,
            code=spec.code,
            source="core",
            name=spec.name.vi,
            name_en=spec.name.en,
            description=spec.description.vi,
            description_en=spec.description.en,
            group_name=group.vi,
            group_name_en=group.en,
            keywords=keywords,
            organization_id=org_id,
            route_to_commune=entry.route_to_commune,
            deadline_days=spec.deadline_days,
            reminder_days=entry.reminder_days,
            duplicate_radius_m=spec.duplicate_radius_m,
            dispute_days=entry.dispute_days,
            active=True,
            search_name=search_name(spec.name.vi, spec.name.en, keywords),
        )
        session.add(category)
        session.flush()
        session.add_all(attribute_rows(category.id, spec.questions))
        changed += 1
    session.flush()
    return changed


def find_category(
    session: Session, tenant_id: int, code: str, active_only: bool = True
) -> ReportCategory | None:
    condition = [ReportCategory.tenant_id == tenant_id, ReportCategory.code == code]
    if active_only:
        condition.append(ReportCategory.active.is_(True))
    return session.scalar(select(ReportCategory).where(*condition))


def category_attributes(session: Session, category_id: int) -> list[ReportAttribute]:
    return list(
        session.scalars(
            select(ReportAttribute)
            .where(ReportAttribute.category_id == category_id)
            .order_by(ReportAttribute.order, ReportAttribute.id)
        )
    )


def _pick(vi: str, en: str, language: str) -> str:
    return en if language == "en" and en else vi


def attribute_view(attribute: ReportAttribute, language: str) -> dict[str, Any]:
    return {
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "variable": attribute.variable,
        "order": attribute.order,
        "description": _pick(attribute.description, attribute.description_en, language),
        "description_vi": attribute.description,
        "description_en": attribute.description_en,
        "datatype_description": attribute.datatype_description,
        "values": [
            {
                "key": v.get("key"),
                "name": _pick(v.get("name", ""), v.get("name_en", ""), language),
                "name_vi": v.get("name", ""),
                "name_en": v.get("name_en", ""),
            }
            for v in attribute.values or []
        ],
    }


def category_view(
    category: ReportCategory, attributes: Sequence[ReportAttribute], language: str
) -> dict[str, Any]:
    """A category for citizens: texts in ``language`` plus both names, and its questions."""
    return {
        "code": category.code,
        "name": _pick(category.name, category.name_en, language),
        "name_vi": category.name,
        "name_en": category.name_en,
        "description": _pick(category.description, category.description_en, language),
        "group": _pick(category.group_name, category.group_name_en, language),
        "keywords": keyword_list(category.keywords),
        "source": category.source,
        "deadline_days": category.deadline_days,
        "duplicate_radius_m": category.duplicate_radius_m,
        "questions": [
            attribute_view(a, language) for a in sorted(attributes, key=lambda a: (a.order, a.id))
        ],
    }
