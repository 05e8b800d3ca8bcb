"""Report photos: only real JPEG, PNG and WebP images within the limits are kept; the public
copy is upright and carries no metadata at all; the original stays with officials."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import timedelta

import pytest
from flask import g
from PIL import Image, PngImagePlugin
from sieuapp.core.reports import photos
from sieuapp.core.reports.models import ReportPhoto
from sieuapp.sdk import Role
from sqlalchemy import select

from .reports_helpers import LAT, LON, image_bytes, make_category
from .support import install_clock

GPS_IFD = 0x8825


@pytest.fixture
def platform(make_platform):
    p = make_platform(plugins=[])
    with p.context() as session:
        make_category(session)
    return p


def upload(client, data: bytes, name: str = "photo.jpg", kind: str = "image/jpeg"):
    return client.post(
        "/api/v1/reports/photos",
        data={"file": (io.BytesIO(data), name, kind)},
        content_type="multipart/form-data",
    )


def submit(client, photo_ids: list[int], **extra):
    body = {
        "category": "test-all",
        "description": "Cột đèn nghiêng trước trường học",
        "lat": LAT,
        "lon": LON,
        "attributes": {"severity": "high"},
        "photo_ids": photo_ids,
        **extra,
    }
    return client.post("/api/v1/reports", json=body)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge size in a few bytes: what a decompression bomb looks like."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_public_copy_has_no_metadata_and_original_is_for_handlers(platform) -> None:
    citizen = platform.client(Role.CITIZEN)
    answer = upload(citizen, image_bytes("JPEG", orientation=6))
    assert answer.status_code == 201, answer.json
    assert answer.json["content_type"] == "image/jpeg"
    # Orientation 6 is a quarter turn: the public copy is upright, so taller than wide.
    assert (answer.json["width"], answer.json["height"]) == (48, 64)
    created = submit(citizen, [answer.json["id"]])
    assert created.status_code == 201, created.json
    report_id = created.json["id"]
    (photo,) = created.json["photos"]
    assert photo["original_url"] is None

    public = citizen.get(photo["url"])
    assert public.status_code == 200
    assert public.headers["Content-Type"] == "image/jpeg"
    assert b"Exif" not in public.data and b"PhoneMaker" not in public.data
    image = Image.open(io.BytesIO(public.data))
    assert "exif" not in image.info and len(image.getexif()) == 0
    assert image.size == (48, 64)

    refused = citizen.get(photo["url"] + "?original=1")
    assert refused.status_code == 403
    assert refused.json["errors"] == {"original": [refused.json["errors"]["original"][0]]}

    # Not public yet: nobody else sees even the public copy, nor the routed organization
    # before the IOC sends the report on.
    assert platform.client().get(photo["url"]).status_code == 404
    assert platform.client(Role.PARTNER_STAFF).get(photo["url"]).status_code == 404
    official = platform.client(Role.OFFICIAL)
    assert official.get(photo["url"] + "?original=1").status_code == 404
    ioc = platform.client(Role.IOC_OPERATOR)
    for action in ("moderate", "assign"):
        sent = ioc.post(f"/api/v1/reports/{report_id}/actions/{action}", json={})
        assert sent.status_code == 200, sent.json
    original = official.get(photo["url"] + "?original=1")
    assert original.status_code == 200
    exif = Image.open(io.BytesIO(original.data)).getexif()
    assert exif.get_ifd(GPS_IFD)[1] == "N"
    assert exif[0x010F] == "PhoneMaker"

    anonymous = platform.client()
    assert anonymous.get(photo["url"]).status_code == 200
    assert anonymous.get(photo["url"] + "?original=1").status_code == 404
    partner = platform.client(Role.PARTNER_STAFF)
    assert partner.get(photo["url"]).status_code == 200
    assert partner.get(photo["url"] + "?original=1").status_code == 404


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_lose_their_metadata(platform, fmt: str) -> None:
    extra = {}
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Author", "Nguyễn Văn An")
        text.add_text("XML:com.adobe.xmp", "<x:xmpmeta>GPS</x:xmpmeta>")
        extra["pnginfo"] = text
    else:
        extra["xmp"] = b"<x:xmpmeta>GPS</x:xmpmeta>"
    data = image_bytes(fmt, **extra)
    assert Image.open(io.BytesIO(data)).getexif()
    citizen = platform.client(Role.CITIZEN)
    # The declared type is ignored: the content says what it is.
    answer = upload(citizen, data, "photo.bin", "application/octet-stream")
    assert answer.status_code == 201, answer.json
    assert answer.json["content_type"] == f"image/{fmt.lower()}"
    created = submit(citizen, [answer.json["id"]])
    public = citizen.get(created.json["photos"][0]["url"])
    image = Image.open(io.BytesIO(public.data))
    assert image.format == fmt
    assert not image.info.get("exif") and len(image.getexif()) == 0
    assert "xmp" not in image.info and "Author" not in image.info
    for marker in (b"xmpmeta", b"Author", b"PhoneMaker", b"eXIf", b"tEXt", b"iTXt", b"zTXt"):
        assert marker not in public.data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 10, "not a JPEG"),
        (image_bytes("GIF", gps=False), "not a JPEG"),
        (b"", "not a JPEG"),
        (b"\xff\xd8\xff" + b"\0" * (8 * 1024 * 1024), "too large"),
        (png_header_only(7000, 6000), "too many pixels"),
        (png_header_only(100_000, 100_000), "too many pixels"),
    ],
    ids=["fake-jpeg", "gif", "empty", "oversize", "over-40-megapixels", "bomb"],
)
def test_refused_uploads(platform, data: bytes, message: str) -> None:
    answer = upload(platform.client(Role.CITIZEN), data)
    assert answer.status_code == 422, answer.json
    assert message in answer.json["errors"]["file"][0]
    with platform.context() as session:
        assert session.scalars(select(ReportPhoto)).all() == []


def test_upload_needs_a_file_and_a_user(platform) -> None:
    assert upload(platform.client(), image_bytes()).status_code == 401
    answer = platform.client(Role.CITIZEN).post(
        "/api/v1/reports/photos", data={}, content_type="multipart/form-data"
    )
    assert answer.status_code == 422 and "file" in answer.json["errors"]


def test_a_sixth_photo_is_refused(platform) -> None:
    citizen = platform.client(Role.CITIZEN)
    ids = [upload(citizen, image_bytes()).json["id"] for _ in range(6)]
    answer = submit(citizen, ids)
    assert answer.status_code == 422
    assert "photo_ids" in answer.json["errors"]
    assert submit(citizen, ids[:5]).status_code == 201


def test_someone_elses_upload_cannot_be_attached(platform) -> None:
    photo_id = upload(platform.client(Role.OFFICIAL), image_bytes()).json["id"]
    answer = submit(platform.client(Role.CITIZEN), [photo_id])
    assert answer.status_code == 422 and "photo_ids" in answer.json["errors"]


def test_unattached_uploads_are_purged_after_a_day(platform, monkeypatch) -> None:
    clock = install_clock(monkeypatch)
    citizen = platform.client(Role.CITIZEN)
    old = upload(citizen, image_bytes()).json["id"]
    kept = upload(citizen, image_bytes()).json["id"]
    submit(citizen, [kept])
    with platform.context() as session:
        stale = session.get(ReportPhoto, old)
        space = f"reports/{stale.tenant_id}"
        path = platform.runtime.files.root / space / stale.original_key
        assert path.is_file()
    clock.advance(timedelta(days=1, minutes=1).total_seconds())
    fresh = upload(citizen, image_bytes()).json["id"]
    with platform.context() as session:
        assert session.get(ReportPhoto, old) is None
        assert session.get(ReportPhoto, kept) is not None
        assert session.get(ReportPhoto, fresh) is not None
    assert not path.exists()


def test_files_follow_the_transaction_of_their_rows(platform, monkeypatch) -> None:
    clock = install_clock(monkeypatch)
    files = platform.runtime.files
    citizen_id = platform.users[Role.CITIZEN].id
    with platform.context() as session:
        tenant_id = g.tenant.id
        # An upload whose transaction rolls back leaves no file behind.
        lost = photos.upload(session, files, tenant_id, citizen_id, image_bytes())
        lost_path = files.root / photos.space(tenant_id) / lost.original_key
        assert lost_path.is_file()
        session.rollback()
        assert not lost_path.exists()
        kept = photos.upload(session, files, tenant_id, citizen_id, image_bytes())
    kept_path = files.root / photos.space(tenant_id) / kept.public_key
    assert kept_path.is_file()

    clock.advance(timedelta(days=2).total_seconds())
    with platform.context() as session:
        # A purge undone keeps its files; a purge committed removes them.
        assert photos.purge_unattached(session, files, tenant_id) == 1
        session.rollback()
        assert kept_path.is_file()
        assert photos.purge_unattached(session, files, tenant_id) == 1
    assert not kept_path.exists()
