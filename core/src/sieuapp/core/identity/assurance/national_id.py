"""The 12-digit personal identification number printed on the CCCD (citizen identity card).

Its structure is set by Decree 137/2015/NĐ-CP art. 13 and Circular 07/2016/TT-BCA art. 7: three
digits for the province where the birth was registered (Appendix I of the circular), one for
century and sex, two for the year of birth, then six digits in a random range.
"""

from __future__ import annotations

from datetime import date

from sieuapp.sdk import LocalizedText

#: Appendix I of Circular 07/2016/TT-BCA: the 63 provinces as they were when numbers were
#: assigned. Numbers keep their code for life, so the 2025 merger of provinces changes none.
BIRTH_PROVINCES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn",
    "008": "Tuyên Quang", "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu",
    "014": "Sơn La", "015": "Yên Bái", "017": "Hòa Bình", "019": "Thái Nguyên",
    "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
    "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
    "037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh",
    "044": "Quảng Bình", "045": "Quảng Trị", "046": "Thừa Thiên Huế", "048": "Đà Nẵng",
    "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định", "054": "Phú Yên",
    "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng",
    "070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu", "079": "Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang",
    "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long", "087": "Đồng Tháp",
    "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
    "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}  # fmt: skip

NOT_TWELVE_DIGITS = LocalizedText(
    "Số CCCD phải gồm đúng 12 chữ số.", "The CCCD number must be exactly 12 digits."
)
UNKNOWN_PROVINCE = LocalizedText(
    "Ba chữ số đầu của số CCCD không phải mã tỉnh nơi đăng ký khai sinh.",
    "The first three digits of the CCCD number are not a province code of birth registration.",
)
WRONG_BIRTH_YEAR = LocalizedText(
    "Chữ số thứ 4 đến 6 của số CCCD không khớp với năm sinh.",
    "Digits 4 to 6 of the CCCD number do not match the year of birth.",
)


def normalize(value: str) -> str:
    """The number as typed, without the spaces and dots people group digits with."""
    return "".join(value.split()).replace(".", "").replace("-", "")


def birth_year(number: str) -> int:
    """The year of birth a well-formed number encodes: even/odd century digit per century
    from 1900 (0/1: 1900-1999, 2/3: 2000-2099, ...), then the last two digits of the year."""
    return 1900 + int(number[3]) // 2 * 100 + int(number[4:6])


def problems(number: str, birthdate: date | None) -> list[LocalizedText]:
    """What is wrong with the form of ``number`` (already normalized); empty when it is sound.
    The year is checked only when ``birthdate`` is known."""
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        return [NOT_TWELVE_DIGITS]
    found = []
    if number[:3] not in BIRTH_PROVINCES:
        found.append(UNKNOWN_PROVINCE)
    if birthdate is not None and birth_year(number) != birthdate.year:
        found.append(WRONG_BIRTH_YEAR)
    return found


def masked(number: str) -> str:
    """The province code and the last two digits only, for audit entries and pages."""
    return f"{number[:3]}{'*' * (len(number) - 5)}{number[-2:]}" if len(number) > 5 else "*****"
