"""The built-in verification provider: a local file of national ID records, for demonstrations
and tests (``SIEUAPP_IDENTITY_REGISTRY_FILE``). A real deployment answers ``verify_identity``
from a plugin that asks the national population database."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sieuapp.sdk import IdentityCheck

#: The name verifications by this provider are recorded under (a plugin is recorded by its id).
PROVIDER_ID = "registry_file"
log = logging.getLogger("sieuapp.assurance")


@dataclass(frozen=True)
class Record:
    national_id: str
    full_name: str
    birthdate: date


def normalize_name(name: str) -> str:
    """Composed Unicode (phones may type decomposed accents), one space, no case; accents
    stay significant, as "Lê" and "Lệ" are different names."""
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def _rows(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        rows = data.get("records") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise ValueError('a JSON registry is a list of records or {"records": [...]}')
        return rows
    return list(csv.DictReader(text.splitlines()))


def read(path: Path) -> list[Record]:
    """Every record of the file; a malformed record makes the whole file unusable, so that a
    typo cannot silently drop a person."""
    records = []
    for number, row in enumerate(_rows(path), start=1):
        try:
            records.append(
                Record(
                    national_id=str(row["national_id"]).strip(),
                    full_name=str(row["full_name"]),
                    birthdate=date.fromisoformat(str(row["birthdate"]).strip()),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"record {number}: {type(exc).__name__}: {exc}") from exc
    return records


def check(path_setting: str, national_id: str, full_name: str, birthdate: date) -> IdentityCheck:
    """Whether the file holds a record with this number, name and date of birth."""
    path = Path(path_setting)
    try:
        records = read(path)
        fingerprint = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except (OSError, ValueError) as exc:
        log.error("identity registry file %s cannot be read: %s", path, exc)
        return IdentityCheck.unknown(f"the registry file cannot be read: {type(exc).__name__}")
    for index, record in enumerate(records, start=1):
        if record.national_id != national_id:
            continue
        reference = f"{path.name}@{fingerprint}#{index}"
        if record.birthdate == birthdate and normalize_name(record.full_name) == normalize_name(
            full_name
        ):
            return IdentityCheck.matched(reference)
        return IdentityCheck.not_matched(reference)
    return IdentityCheck.not_matched()
