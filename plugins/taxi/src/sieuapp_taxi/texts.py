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

# -- the rider's page (page.py, templates/taxi/page.html, static/taxi.js) --
#: Every text the page shows, by key: the template reads them and the script gets them all in
#: the page's language.
PAGE = {
    "title": text("Đặt taxi", "Taxi"),
    "intro": text(
        "Đặt xe của các hãng taxi trong tỉnh, xem giá trước khi đi.",
        "Book a taxi from the province's firms and see the fare before you go.",
    ),
    "loading": text("Đang tải…", "Loading…"),
    "sign_in": text(
        "Hãy đăng nhập trong ứng dụng để đặt xe và xem các chuyến của bạn.",
        "Sign in in the app to book a taxi and see your rides.",
    ),
    "outside_app": text(
        "Trang này chạy trong ứng dụng; mở dịch vụ Đặt taxi từ màn hình chính của ứng dụng.",
        "This page runs inside the app; open the Taxi service from the app's home screen.",
    ),
    "book_heading": text("Đặt xe", "Book a ride"),
    "pickup": text("Điểm đón", "Pick-up"),
    "dropoff": text("Điểm đến", "Destination"),
    "address": text("Địa chỉ (không bắt buộc)", "Address (optional)"),
    "pickup_address_hint": text("Ví dụ: cổng Ngọ Môn", "For example: Ngọ Môn gate"),
    "dropoff_address_hint": text("Ví dụ: Ga Huế", "For example: Huế railway station"),
    "latitude": text("Vĩ độ", "Latitude"),
    "longitude": text("Kinh độ", "Longitude"),
    "coordinates_note": text(
        "Chưa có bản đồ: nhập tọa độ (độ thập phân) hoặc dùng vị trí của bạn cho điểm đón. "
        "Địa chỉ giúp tài xế tìm bạn.",
        "There is no map yet: enter coordinates (decimal degrees), or use your location for "
        "the pick-up. The address helps the driver find you.",
    ),
    "use_location": text("Dùng vị trí của tôi", "Use my location"),
    "locating": text("Đang lấy vị trí…", "Finding your location…"),
    "located": text(
        "Đã lấy vị trí (sai số khoảng {metres} m).", "Located (within about {metres} m)."
    ),
    "location_failed": text(
        "Không lấy được vị trí. Hãy cho phép truy cập vị trí hoặc nhập tọa độ.",
        "Could not get your location. Allow location access or enter the coordinates.",
    ),
    "location_unsupported": text(
        "Thiết bị không hỗ trợ định vị: hãy nhập tọa độ.",
        "This device cannot tell its location: enter the coordinates.",
    ),
    "seats": text("Loại xe", "Car size"),
    "seats_4": text("4 chỗ", "4 seats"),
    "seats_7": text("7 chỗ", "7 seats"),
    "passengers": text("Số hành khách", "Passengers"),
    "estimate": text("Xem giá", "See fares"),
    "estimate_heading": text("Giá dự kiến", "Estimated fares"),
    "distance": text("Quãng đường khoảng {km} km", "About {km} km"),
    "any_firm": text("Hãng nào cũng được (xe gần nhất)", "Any firm (the nearest car)"),
    "no_fares": text(
        "Chưa có hãng nào công bố giá cho loại xe này.",
        "No firm has published fares for this size.",
    ),
    "fare_note": text(
        "Giá theo đồng hồ có thể khác một chút nếu đường đi hoặc thời gian chờ khác.",
        "The metered fare may differ a little with the route taken and waiting time.",
    ),
    "book": text("Đặt xe", "Book"),
    "consent_button": text("Cho phép và tiếp tục", "Allow and continue"),
    "consent_sent": text(
        "Ứng dụng sẽ hỏi bạn; trang tải lại khi bạn đồng ý.",
        "The app will ask you; this page reloads when you agree.",
    ),
    "ride_heading": text("Chuyến của bạn", "Your ride"),
    "state_requested": text("Đang tìm xe gần bạn…", "Looking for a car near you…"),
    "state_reserved": text("Tài xế đang đến điểm đón", "Your driver is on the way"),
    "state_arrived": text("Xe đã đến điểm đón", "Your car is at the pick-up"),
    "state_on_trip": text("Đang trong chuyến đi", "On the trip"),
    "state_completed": text("Chuyến đi đã hoàn thành", "Trip completed"),
    "state_cancelled": text("Chuyến đã hủy", "Ride cancelled"),
    "cancelled_by_passenger": text("Bạn đã hủy chuyến.", "You cancelled the ride."),
    "cancelled_by_driver": text("Tài xế đã hủy chuyến.", "The driver cancelled the ride."),
    "cancelled_by_provider": text(
        "Không tìm được xe trống gần bạn. Hãy thử lại sau ít phút.",
        "No free car was found near you. Please try again in a few minutes.",
    ),
    "driver": text("Tài xế", "Driver"),
    "plate": text("Biển số", "Plate"),
    "call_driver": text("Gọi tài xế", "Call the driver"),
    "car_distance": text("Xe cách điểm đón khoảng {metres} m", "The car is about {metres} m away"),
    "pickup_by": text("Dự kiến đón lúc {time}", "Expected at the pick-up by {time}"),
    "firm": text("Hãng", "Firm"),
    "quoted_fare": text("Giá dự kiến", "Quoted fare"),
    "fare": text("Cước", "Fare"),
    "cancel_heading": text("Hủy chuyến", "Cancel the ride"),
    "cancel_reason": text("Lý do", "Reason"),
    "cancel": text("Hủy chuyến", "Cancel ride"),
    "reason_changed_mind": text("Tôi đổi ý", "I changed my mind"),
    "reason_driver_too_far": text("Xe ở quá xa", "The car is too far"),
    "reason_waited_too_long": text("Chờ quá lâu", "I waited too long"),
    "reason_booked_by_mistake": text("Đặt nhầm", "Booked by mistake"),
    "reason_other": text("Lý do khác", "Another reason"),
    "pay_heading": text("Thanh toán", "Payment"),
    "pay_platform": text("Thanh toán trong ứng dụng", "Pay in the app"),
    "pay_cash": text("Trả tiền mặt cho tài xế", "Pay the driver in cash"),
    "paid": text("Đã thanh toán.", "Paid."),
    "cash_waiting": text(
        "Bạn chọn trả tiền mặt; chờ tài xế xác nhận đã nhận tiền.",
        "You chose cash; waiting for the driver to confirm they received it.",
    ),
    "payment_waiting": text(
        "Khoản thanh toán {amount} đã sẵn sàng: hãy thanh toán ở mục Thanh toán của ứng dụng.",
        "The payment of {amount} is ready: pay it under Payments in the app.",
    ),
    "open_payments": text("Mở mục Thanh toán", "Open Payments"),
    "rate_heading": text("Đánh giá chuyến đi", "Rate the ride"),
    "stars": text("Số sao", "Stars"),
    "star_n": text("{n} sao", "{n} stars"),
    "comment": text("Nhận xét (không bắt buộc)", "Comment (optional)"),
    "rate": text("Gửi đánh giá", "Send rating"),
    "rated": text("Bạn đã đánh giá {n}/5 sao. Cảm ơn bạn!", "You rated it {n}/5. Thank you!"),
    "complain_heading": text("Phản ánh về chuyến đi", "Complain about the ride"),
    "complaint_kind": text("Sự việc", "What happened"),
    "complaint_description": text("Mô tả", "Description"),
    "complain": text("Gửi phản ánh", "Send complaint"),
    "complained": text(
        "Phản ánh số {report} đã được gửi tới hãng; theo dõi trong mục Phản ánh của ứng dụng.",
        "Complaint {report} was sent to the firm; follow it under Reports in the app.",
    ),
    "new_ride": text("Đặt chuyến khác", "Book another ride"),
    "my_rides": text("Chuyến đi của tôi", "My rides"),
    "no_rides": text("Bạn chưa có chuyến nào.", "You have no rides yet."),
    "show": text("Xem", "Show"),
    "refresh": text("Tải lại", "Refresh"),
    "error": text("Có lỗi xảy ra. Vui lòng thử lại.", "Something went wrong. Please try again."),
    "offline": text(
        "Không kết nối được. Kiểm tra mạng rồi thử lại.",
        "Could not connect. Check your connection and try again.",
    ),
}
