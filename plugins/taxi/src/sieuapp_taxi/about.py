"""The plugin's manifest and the province's settings for it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from sieuapp.sdk import NOTIFY_SCOPE, FrontendEntry, Manifest, Role, Scope, text
from sieuapp.sdk.config import described

PLUGIN_ID = "taxi"
LOCATION_SCOPE = "location"

LOCATION_PURPOSE = text(
    "Tìm xe trống gần bạn nhất và chỉ cho tài xế điểm đón; với tài xế, để khách thấy xe "
    "đang ở đâu.",
    "To find the free taxi nearest you and show the driver where to pick you up; for drivers, "
    "to show riders where the car is.",
)


class TaxiConfig(Schema):
    """What the province sets: which of its partner companies run taxis in the app, and how
    dispatch behaves."""

    firms = fields.List(
        fields.String(validate=validate.Regexp(r"^[a-z0-9][a-z0-9_.-]{0,58}$")),
        load_default=list,
        validate=validate.Length(max=30),
        metadata=described(
            "Hãng taxi: mã các doanh nghiệp đối tác được nhận chuyến",
            "Taxi firms: codes of the partner companies that take rides",
            "Mã tổ chức loại đối tác, ví dụ mai-linh-hue; mỗi hãng có danh mục phản ánh riêng.",
            "Organization codes of kind partner, e.g. mai-linh-hue; each firm gets its own "
            "complaint category.",
        ),
    )
    offer_timeout_seconds = fields.Integer(
        load_default=20,
        validate=validate.Range(5, 120),
        metadata=described(
            "Thời gian tài xế trả lời lời mời (giây)",
            "Seconds a driver has to answer an offer",
            "Hết thời gian, chuyến được mời tài xế gần tiếp theo.",
            "When it runs out the ride goes to the next nearest driver.",
        ),
    )
    search_radius_m = fields.Integer(
        load_default=3000,
        validate=validate.Range(200, 10_000),
        metadata=described(
            "Bán kính tìm xe (m)",
            "Search radius for drivers (m)",
            "Chỉ mời tài xế trong bán kính này quanh điểm đón.",
            "Only drivers within this distance of the pickup are offered the ride.",
        ),
    )
    position_max_age_seconds = fields.Integer(
        load_default=60,
        validate=validate.Range(10, 600),
        metadata=described(
            "Vị trí tài xế cũ hơn mức này không được dùng (giây)",
            "A driver position older than this is not used (seconds)",
            "Tài xế gửi vị trí vài giây một lần; vị trí cũ có thể đã sai.",
            "Drivers send positions every few seconds; an old one may be wrong.",
        ),
    )
    max_offers = fields.Integer(
        load_default=5,
        validate=validate.Range(1, 20),
        metadata=described(
            "Số tài xế được mời tối đa cho một chuyến",
            "Most drivers offered one ride in turn",
            "Sau chừng ấy lần từ chối hoặc hết giờ, chuyến bị hủy vì không có xe.",
            "After that many declines or timeouts the ride is cancelled as no driver was found.",
        ),
    )


MANIFEST = Manifest(
    id=PLUGIN_ID,
    name=text("Đặt taxi", "Taxi"),
    description=text(
        "Đặt xe của các hãng taxi trong tỉnh, xem giá trước, theo dõi xe đến, thanh toán và "
        "đánh giá chuyến đi.",
        "Book a taxi from the province's firms with the fare up front, watch it come, pay and "
        "rate the ride.",
    ),
    sdk_api=">=1.5,<2",
    scopes=(
        Scope(LOCATION_SCOPE, LOCATION_PURPOSE),
        Scope(
            NOTIFY_SCOPE,
            text(
                "Báo khi có tài xế nhận chuyến và khi xe đến điểm đón.",
                "To tell you when a driver takes your ride and when the car arrives.",
            ),
        ),
        Scope(
            "phone",
            text(
                "Để tài xế gọi cho bạn khi không tìm thấy điểm đón.",
                "So the driver can call you if they cannot find the pickup point.",
            ),
        ),
    ),
    config_schema=TaxiConfig,
    # The rider's page (page.py), which the app shows in its frame.
    frontend=FrontendEntry(route="/app/", icon="taxi", category="transport"),
    # Anyone may load the page (the app frames it before it hands over a token); every API
    # view asks for a signed-in caller itself. Riders are citizens; firm staff and the
    # province use the same module's other routes.
    roles=(
        Role.ANONYMOUS,
        Role.CITIZEN,
        Role.PARTNER_STAFF,
        Role.PROVINCE_ADMIN,
        Role.IOC_OPERATOR,
    ),
    migrations="sieuapp_taxi:migrations",
)
