"""The demo instance's accounts: the one list that the demo command and the README share.

These passwords are public on purpose; never run a demo instance where real people sign in."""

from __future__ import annotations

from dataclasses import dataclass

from sieuapp.sdk import Role


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    full_name: str
    #: ``Role.CITIZEN`` is implied for every signed-in person and never stored.
    role: Role
    #: The organization (code in ``tenancy.seed``) the role is held in; None for a citizen.
    organization: str | None
    #: What to try with the account, in Vietnamese and English.
    purpose_vi: str
    purpose_en: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        "admin",
        "demo-admin-2025",
        "Phạm Thị Dung",
        Role.PROVINCE_ADMIN,
        "ubnd-hue",
        "quản trị tỉnh: bật/tắt, cấu hình dịch vụ",
        "province admin: enable, disable, configure services",
    ),
    DemoAccount(
        "ioc",
        "demo-ioc-2025",
        "Lê Văn Cường",
        Role.IOC_OPERATOR,
        "hue-ioc",
        "vận hành IOC: theo dõi dịch vụ",
        "IOC operator: watches the services",
    ),
    DemoAccount(
        "official",
        "demo-official-2025",
        "Trần Thị Bình",
        Role.OFFICIAL,
        "so-xay-dung",
        "cán bộ Sở Xây dựng",
        "official of the Department of Construction",
    ),
    DemoAccount(
        "partner",
        "demo-partner-2025",
        "Hoàng Văn Em",
        Role.PARTNER_STAFF,
        "mai-linh-hue",
        "nhân viên đối tác Taxi Mai Linh Huế",
        "partner staff of Mai Linh Taxi Huế",
    ),
    DemoAccount(
        "partner2",
        "demo-partner2-2025",
        "Võ Thị Giang",
        Role.PARTNER_STAFF,
        "thanh-cong-hue",
        "nhân viên Taxi Thành Công Huế: giá cước, xe, tài xế",
        "staff of Thành Công Taxi Huế: fares, cars, drivers",
    ),
    DemoAccount(
        "taixe1",
        "demo-driver-2025",
        "Lê Văn Hải",
        Role.CITIZEN,
        None,
        "tài xế Taxi Mai Linh (API tài xế: /m/taxi/driver)",
        "a Mai Linh driver (the driver API: /m/taxi/driver)",
    ),
    DemoAccount(
        "taixe2",
        "demo-driver-2025",
        "Đặng Văn Khoa",
        Role.CITIZEN,
        None,
        "tài xế Taxi Thành Công (API tài xế)",
        "a Thành Công driver (the driver API)",
    ),
    DemoAccount(
        "citizen",
        "demo-citizen-2025",
        "Nguyễn Văn An",
        Role.CITIZEN,
        None,
        "người dân",
        "citizen",
    ),
)


def markdown_table() -> str:
    """The accounts as the README's table, so that a test can check the README against this."""
    lines = [
        "| username | password | role | organization |",
        "|---|---|---|---|",
    ]
    for a in DEMO_ACCOUNTS:
        lines.append(
            f"| `{a.username}` | `{a.password}` | {a.role.value} | {a.organization or '—'} |"
        )
    return "\n".join(lines)
