"""vnp_OrderInfo: Vietnamese without diacritics, in characters every encoder agrees on."""

from __future__ import annotations

import unicodedata

import pytest
from sieuapp_vnpay.texts import order_info, unaccent


@pytest.mark.parametrize(
    ("accented", "plain"),
    [
        ("Đà Nẵng", "Da Nang"),
        ("đường ĐỘC LẬP", "duong DOC LAP"),
        ("Thừa Thiên Huế", "Thua Thien Hue"),
        ("ắằẳẵặ ấầẩẫậ ếềểễệ ốồổỗộ ớờởỡợ ứừửữự ỳýỷỹỵ", "aaaaa aaaaa eeeee ooooo ooooo uuuuu yyyyy"),
        (
            "ÀÁẢÃẠ ĂÂ ÈÉẺẼẸ Ê ÌÍỈĨỊ ÒÓỎÕỌ ÔƠ ÙÚỦŨỤ Ư ỲÝỶỸỴ",
            "AAAAA AA EEEEE E IIIII OOOOO OO UUUUU U YYYYY",
        ),
    ],
)
def test_unaccent(accented, plain):
    assert unaccent(accented) == plain


def test_decomposed_input_is_handled_like_precomposed():
    assert unaccent(unicodedata.normalize("NFD", "Đà Nẵng")) == "Da Nang"


@pytest.mark.parametrize(
    ("purpose", "info"),
    [
        ("Lệ phí cấp đổi GPLX: 135.000đ", "Le phi cap doi GPLX: 135.000d"),
        ("Phí (dịch vụ) ~ 'nhanh'!", "Phi dich vu nhanh"),
        ("Hóa đơn\nnước   tháng 5/2025 #12", "Hoa don nuoc thang 5/2025 #12"),
        ("“Bão số 3” – hỗ trợ", "Bao so 3 ho tro"),
    ],
)
def test_order_info_keeps_only_what_signs_the_same_everywhere(purpose, info):
    assert order_info(purpose) == info


def test_order_info_fits_vnpays_255_characters():
    info = order_info("Thanh toán " * 60)
    assert len(info) <= 255
    assert info.isascii()
    assert not info.endswith(" ")
