"""What the plugin says to people, in Vietnamese and English; the request's Accept-Language
picks one (Vietnamese first)."""

from __future__ import annotations

from flask import has_request_context, request
from sieuapp.sdk import LANGUAGES, LocalizedText, text


def language() -> str:
    if not has_request_context():
        return "vi"
    return request.accept_languages.best_match(LANGUAGES, default="vi") or "vi"


def fill(message: LocalizedText, **values: object) -> LocalizedText:
    """Both languages of ``message`` with ``values`` put in, for a text stored or sent on."""
    return text(message.vi.format(**values), message.en.format(**values))


def say(message: LocalizedText, **values: object) -> str:
    said = message.get(language())
    return said.format(**values) if values else said


INVALID = text("Dữ liệu chưa hợp lệ.", "Some fields are not valid.")
JSON_OBJECT = text("Gửi một đối tượng JSON.", "Send a JSON object.")
UNKNOWN_FIELD = text("Trường không được hỗ trợ.", "Unknown field.")
REQUIRED = text("Bắt buộc.", "Required.")
WHOLE_DONG = text("Số nguyên đồng từ {low} đến {high}.", "Whole đồng from {low} to {high}.")
OPENING_KM = text("Từ 0 đến 10 km.", "From 0 to 10 km.")
BANDS = text("Từ 1 đến 10 khung giá.", "From 1 to 10 distance bands.")
BAND_OBJECT = text("Một đối tượng {{up_to_km, per_km}}.", "An object {{up_to_km, per_km}}.")
LAST_BAND = text(
    "Khung cuối không giới hạn: up_to_km là null.", "The last band is open-ended: up_to_km is null."
)
BAND_ORDER = text("Lớn hơn {km} km.", "More than {km} km.")
LATITUDE = text("Vĩ độ từ -90 đến 90.", "A latitude from -90 to 90.")
LONGITUDE = text("Kinh độ từ -180 đến 180.", "A longitude from -180 to 180.")
SEATS = text("Xe 4 hoặc 7 chỗ.", "4 or 7 seats.")
PASSENGERS = text("Từ 1 đến {seats} hành khách.", "From 1 to {seats} passengers.")
TEXT_LENGTH = text("Tối đa {limit} ký tự.", "At most {limit} characters.")
NO_FIRM = text("Không có hãng taxi {firm} ở đây.", "There is no taxi firm {firm} here.")
SAME_PLACE = text("Điểm đón và điểm đến trùng nhau.", "Pickup and drop-off are the same place.")
TOO_FAR = text("Chuyến đi quá {km} km.", "A ride longer than {km} km.")
NO_TARIFF = text(
    "Chưa có hãng nào công bố giá cho xe {seats} chỗ.",
    "No firm has published fares for {seats} seats.",
)
PLATE = text("Biển số như 75A-123.45.", "A plate such as 75A-123.45.")
PLATE_TAKEN = text("Biển số {plate} đã được đăng ký.", "Plate {plate} is already registered.")
NO_VEHICLE = text("Không có xe {vehicle} của hãng.", "The firm has no vehicle {vehicle}.")
NO_USER = text("Không có người dùng {user}.", "There is no user {user}.")
DRIVER_TAKEN = text(
    "Người dùng này đã là tài xế của một hãng.", "This user is already a driver for a firm."
)
PHONE = text(
    "Số điện thoại Việt Nam, như 0905 123 456.", "A Vietnamese phone number, such as 0905 123 456."
)
NAME = text("Họ tên, 2 đến 200 ký tự.", "A full name of 2 to 200 characters.")
NOT_STAFF = text(
    "Bạn không thuộc hãng taxi nào đang hoạt động ở đây.",
    "You do not work for a taxi firm operating here.",
)
WHICH_FIRM = text(
    "Bạn làm cho nhiều hãng: chọn hãng bằng tham số firm.",
    "You work for several firms: choose one with the firm parameter.",
)
NOT_DRIVER = text(
    "Bạn chưa được hãng nào đăng ký làm tài xế.", "No firm has registered you as a driver."
)
CONSENT = text(
    "Hãy cho phép dịch vụ Taxi dùng vị trí của bạn: {purpose}",
    "Allow the Taxi service to use your location: {purpose}",
)
NO_RIDE = text("Không có chuyến {ride}.", "There is no ride {ride}.")
ACTIVE_RIDE = text("Bạn đang có một chuyến chưa kết thúc.", "You already have a ride in progress.")
RIDE_STATE = text(
    "Chuyến đang ở trạng thái {state}: không thể {action}.",
    "The ride is {state}: it cannot {action}.",
)
NO_OFFER = text("Không có lời mời {offer} đang chờ bạn.", "No offer {offer} is waiting for you.")
OFFER_GONE = text(
    "Lời mời đã hết hạn hoặc đã được trả lời.", "The offer expired or was already answered."
)
BUSY = text("Bạn đang có chuyến: kết thúc chuyến trước đã.", "You are on a ride: finish it first.")
REASON = text("Một trong: {choices}.", "One of: {choices}.")
STARS = text("Từ 1 đến 5 sao.", "From 1 to 5 stars.")
ALREADY_RATED = text("Chuyến này đã được đánh giá.", "This ride was already rated.")
ALREADY_COMPLAINED = text(
    "Bạn đã phản ánh về chuyến này (phản ánh số {report}).",
    "You already complained about this ride (report {report}).",
)
ALREADY_PAID = text("Chuyến này đã được thanh toán.", "This ride is already paid.")
NOT_CASH = text("Khách không chọn trả tiền mặt.", "The rider did not choose to pay cash.")
END_TIME = text(
    "Một giờ UTC đã qua, dạng YYYY-MM-DDTHH.", "An hour in UTC that has passed, as YYYY-MM-DDTHH."
)
METRES = text("Số mét từ {low} đến {high}.", "Metres from {low} to {high}.")
DATE = text("Một ngày dạng YYYY-MM-DD.", "A date as YYYY-MM-DD.")
POINTS = text("Từ 1 đến {limit} vị trí.", "From 1 to {limit} positions.")
AT = text(
    "Thời điểm ISO 8601 có múi giờ, không ở tương lai.",
    "An ISO 8601 time with its offset, not in the future.",
)
NO_VEHICLE_CHOSEN = text(
    "Chọn xe bạn lái hôm nay (vehicle_id).", "Choose the car you drive today (vehicle_id)."
)
VEHICLE_IN_USE = text(
    "Xe {plate} đang được tài xế khác dùng.", "Car {plate} is in use by another driver."
)
OFFLINE = text("Bạn đang nghỉ: hãy bật nhận chuyến trước.", "You are offline: go online first.")

# -- notifications --
ASSIGNED_TITLE = text("Đã có tài xế nhận chuyến", "A driver is on the way")
ASSIGNED_BODY = text(
    "{driver} ({plate}) sẽ đến đón bạn trong khoảng {minutes} phút.",
    "{driver} ({plate}) will pick you up in about {minutes} minutes.",
)
ARRIVED_TITLE = text("Tài xế đã đến điểm đón", "Your driver has arrived")
ARRIVED_BODY = text("Xe {plate} đang chờ bạn.", "Car {plate} is waiting for you.")
NO_DRIVER_TITLE = text("Chưa tìm được xe", "No taxi found")
NO_DRIVER_BODY = text(
    "Hiện không có xe trống gần bạn. Vui lòng thử lại sau ít phút.",
    "No free taxi is near you now. Please try again in a few minutes.",
)
CANCELLED_TITLE = text("Chuyến đã bị hủy", "Your ride was cancelled")
CANCELLED_BODY = text("Tài xế đã hủy chuyến: {reason}.", "The driver cancelled the ride: {reason}.")
RIDER_CANCELLED_TITLE = text("Khách đã hủy chuyến", "The rider cancelled")
RIDER_CANCELLED_BODY = text(
    "Bạn có thể nhận chuyến khác ngay.", "You are free to take another ride now."
)
OFFER_TITLE = text("Có khách đặt xe", "New ride request")
OFFER_BODY = text(
    "Đón cách bạn {metres} m. Trả lời trong {seconds} giây.",
    "Pickup {metres} m away. Answer within {seconds} seconds.",
)
PAYMENT_PURPOSE = text("Cước taxi {firm}, chuyến {ride}", "{firm} taxi fare, ride {ride}")
COMPLAINT_CATEGORY = text("Phản ánh taxi: {firm}", "Taxi complaint: {firm}")
COMPLAINT_DESCRIPTION = text(
    "Giá cước, thái độ tài xế, lộ trình, an toàn, đồ để quên trên xe.",
    "Fares, driver behaviour, route, safety, items left in the car.",
)
TRANSPORT = text("Giao thông", "Transport")
