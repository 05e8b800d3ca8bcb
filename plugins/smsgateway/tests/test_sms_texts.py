"""Vietnamese without diacritics, and the part arithmetic of GSM 03.38 and UCS-2."""

from __future__ import annotations

import pytest
from sieuapp_smsgateway.texts import fit, is_gsm, parts, unaccent


@pytest.mark.parametrize(
    ("accented", "plain"),
    [
        ("Đà Nẵng phản ánh", "Da Nang phan anh"),
        ("đường ĐỘC LẬP", "duong DOC LAP"),
        ("Thừa Thiên Huế", "Thua Thien Hue"),
        ("ắằẳẵặ ấầẩẫậ ếềểễệ ốồổỗộ ớờởỡợ ứừửữự ỳýỷỹỵ", "aaaaa aaaaa eeeee ooooo ooooo uuuuu yyyyy"),
        ("“Bão số 3” – cảnh báo…", '"Bao so 3" - canh bao...'),
        ("Hẹn 14:30, phòng 2.05 (tầng 2)", "Hen 14:30, phong 2.05 (tang 2)"),
    ],
)
def test_unaccent(accented, plain):
    assert unaccent(accented) == plain
    assert is_gsm(unaccent(accented))


def test_decomposed_input_is_handled_like_precomposed():
    import unicodedata

    assert unaccent(unicodedata.normalize("NFD", "Đà Nẵng")) == "Da Nang"


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # an extension character takes two septets
        ("€" * 81, 2),
        ("ă" * 70, 1),  # not GSM: UCS-2, 70 to a part
        ("ă" * 71, 2),
        ("ă" * 134, 2),
        ("ă" * 135, 3),
    ],
)
def test_parts(text, count):
    assert parts(text) == count


@pytest.mark.parametrize("max_parts", [1, 2, 5])
@pytest.mark.parametrize("unaccented", [True, False])
def test_fit_keeps_within_the_parts_and_keeps_the_link(max_parts, unaccented):
    link = "https://hue.sieuapp.test/alerts/7"
    text = fit("Cảnh báo lũ", "Nước sông Hương đang lên nhanh. " * 40, link, max_parts, unaccented)
    assert parts(text) <= max_parts
    assert text.endswith(link)
    assert text.startswith("Canh bao lu\n" if unaccented else "Cảnh báo lũ\n")
    assert ("..." if unaccented else "…") in text


def test_a_short_text_is_left_alone():
    assert fit("Tiêu đề", "Nội dung", None, 1, False) == "Tiêu đề\nNội dung"
    assert fit("", "Mã: 1234", None, 1, True) == "Ma: 1234"


def test_when_even_title_and_link_do_not_fit_the_whole_text_is_cut():
    text = fit("T" * 200, "body", "https://x.vn/" + "a" * 100, 1, True)
    assert parts(text) == 1
    assert text.endswith("...")
