"""Report photos: the original kept for officials, a public copy re-encoded without metadata.

A phone photo carries where and when it was taken, the phone's make and serial, sometimes the
owner's name. The public copy is rebuilt from the pixels alone, so none of that can leak through
a field this code did not think of.
"""

from __future__ import annotations

import io
import secrets
import warnings
from datetime import timedelta

from PIL import Image, ImageOps, UnidentifiedImageError
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import InvalidInput
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from .. import clock
from ..storage.files import FileStore
from .models import Report, ReportPhoto

MAX_BYTES = 8 * 1024 * 1024
#: Decoded, a 40-megapixel photo takes 160 MB of memory; larger is no phone photo.
MAX_PIXELS = 40_000_000
#: Photos uploaded but never submitted with a report are removed after this long.
UNATTACHED_TTL = timedelta(days=1)
#: Uploads of one user not yet attached to a report; more is someone filling the disk.
MAX_PENDING = 20

#: Pillow format → (content type, file extension).
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}

NOT_AN_IMAGE = LocalizedText(
    "Tệp không phải ảnh JPEG, PNG hoặc WebP.", "The file is not a JPEG, PNG or WebP image."
)
TOO_LARGE = LocalizedText("Ảnh quá lớn (tối đa 8 MB).", "The photo is too large (at most 8 MB).")
TOO_MANY_PIXELS = LocalizedText(
    "Ảnh có quá nhiều điểm ảnh (tối đa 40 megapixel).",
    "The photo has too many pixels (at most 40 megapixels).",
)
TOO_MANY_PENDING = LocalizedText(
    "Bạn đã tải lên quá nhiều ảnh chưa gửi kèm phản ánh.",
    "You have uploaded too many photos not yet sent with a report.",
)


def space(tenant_id: int) -> str:
    return f"reports/{tenant_id}"


def public_url(report: Report, photo: ReportPhoto) -> str:
    """The URL path of the public copy."""
    return f"/api/v1/reports/{report.id}/photos/{photo.id}"


def _refuse(text: LocalizedText, language: str, field: str = "file") -> InvalidInput:
    return InvalidInput(text.get(language), {field: [text.en]})


def _decoded(data: bytes, language: str) -> tuple[Image.Image, str]:
    """The image, fully decoded, and its Pillow format; the declared type is never trusted."""
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; a bomb is an error here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            if image.width * image.height > MAX_PIXELS:
                raise _refuse(TOO_MANY_PIXELS, language)
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _refuse(TOO_MANY_PIXELS, language) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise _refuse(NOT_AN_IMAGE, language) from exc
    if image.format not in FORMATS:
        raise _refuse(NOT_AN_IMAGE, language)
    return image, image.format


def public_copy(image: Image.Image, fmt: str) -> tuple[bytes, int, int]:
    """The image upright (EXIF orientation applied) and re-encoded from its pixels only: no
    EXIF, GPS, XMP, ICC, comments or PNG text chunks survive."""
    upright = ImageOps.exif_transpose(image) or image
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    if fmt == "JPEG":
        mode = "L" if upright.mode in ("L", "1") else "RGB"
    elif upright.mode in ("L", "RGB", "RGBA", "LA"):
        mode = upright.mode
    else:
        mode = "RGBA" if has_alpha else "RGB"
    if fmt == "WEBP" and mode in ("L", "LA"):
        mode = "RGBA" if mode == "LA" else "RGB"
    converted = upright.convert(mode) if upright.mode != mode else upright
    # A new image from raw pixels has an empty ``info``: nothing the encoder could copy over.
    clean = Image.frombytes(mode, converted.size, converted.tobytes())
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "WEBP", quality=85)
    return out.getvalue(), clean.width, clean.height


_WRITTEN = "sieuapp_photo_files_written"
_DOOMED = "sieuapp_photo_files_doomed"


def _follow_transaction(session: Session, files: FileStore) -> None:
    """Make the files follow the rows: written files go if the transaction rolls back, doomed
    files go only once it commits; neither list outlives the transaction."""
    if session.info.get("sieuapp_photo_listeners"):
        return
    session.info["sieuapp_photo_listeners"] = True

    def remove(keys: list[tuple[str, str]]) -> None:
        for space_name, key in keys:
            files.delete(space_name, key)

    @event.listens_for(session, "after_commit")
    def _committed(s: Session) -> None:
        s.info.pop(_WRITTEN, None)
        remove(s.info.pop(_DOOMED, []))

    @event.listens_for(session, "after_rollback")
    def _rolled_back(s: Session) -> None:
        s.info.pop(_DOOMED, None)
        remove(s.info.pop(_WRITTEN, []))


def discard(session: Session, files: FileStore, photo: ReportPhoto) -> None:
    """Delete the photo's row now and its files once the transaction commits."""
    _follow_transaction(session, files)
    doomed = session.info.setdefault(_DOOMED, [])
    doomed += [(space(photo.tenant_id), photo.original_key)]
    doomed += [(space(photo.tenant_id), photo.public_key)]
    session.delete(photo)


def purge_unattached(
    session: Session, files: FileStore, tenant_id: int | None = None, limit: int = 200
) -> int:
    """Remove photos uploaded over a day ago and never attached to a report, files and rows."""
    query = select(ReportPhoto).where(
        ReportPhoto.report_id.is_(None),
        ReportPhoto.created_at < clock.now() - UNATTACHED_TTL,
    )
    if tenant_id is not None:
        query = query.where(ReportPhoto.tenant_id == tenant_id)
    stale = list(session.scalars(query.order_by(ReportPhoto.id).limit(limit)))
    for photo in stale:
        discard(session, files, photo)
    session.flush()
    return len(stale)


def upload(
    session: Session,
    files: FileStore,
    tenant_id: int,
    user_id: str,
    data: bytes,
    language: str = "vi",
) -> ReportPhoto:
    """Check and store one photo, not yet attached to a report (``create_report`` attaches it)."""
    purge_unattached(session, files, tenant_id)
    if len(data) > MAX_BYTES:
        raise _refuse(TOO_LARGE, language)
    pending = session.scalar(
        select(ReportPhoto.id)
        .where(
            ReportPhoto.tenant_id == tenant_id,
            ReportPhoto.uploaded_by == user_id,
            ReportPhoto.report_id.is_(None),
        )
        .offset(MAX_PENDING - 1)
        .limit(1)
    )
    if pending is not None:
        raise _refuse(TOO_MANY_PENDING, language)
    image, fmt = _decoded(data, language)
    content_type, ext = FORMATS[fmt]
    public, width, height = public_copy(image, fmt)
    name = secrets.token_hex(16)
    photo = ReportPhoto(
        tenant_id=tenant_id,
        uploaded_by=user_id,
        original_key=f"{name}/original.{ext}",
        public_key=f"{name}/public.{ext}",
        content_type=content_type,
        size=len(data),
        width=width,
        height=height,
        created_at=clock.now(),
    )
    _follow_transaction(session, files)
    written = session.info.setdefault(_WRITTEN, [])
    for key, content in ((photo.original_key, data), (photo.public_key, public)):
        written.append((space(tenant_id), key))
        files.put(space(tenant_id), key, content, content_type)
    session.add(photo)
    session.flush()
    return photo


def read(files: FileStore, photo: ReportPhoto, original: bool = False) -> bytes:
    return files.get(space(photo.tenant_id), photo.original_key if original else photo.public_key)


def report_photos(session: Session, report: Report) -> list[ReportPhoto]:
    return list(
        session.scalars(
            select(ReportPhoto)
            .where(ReportPhoto.tenant_id == report.tenant_id, ReportPhoto.report_id == report.id)
            .order_by(ReportPhoto.id)
        )
    )
