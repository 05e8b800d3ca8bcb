"""Answers as CSV for spreadsheets: asked for with ``format=csv`` or ``Accept: text/csv``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, request


def wants_csv(format: str | None) -> bool:
    """``format`` when the query gave one, else the Accept header."""
    if format:
        return format == "csv"
    # On a tie (*/*, no Accept) the first, JSON, wins.
    return request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"


def csv_response(header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> Response:
    """A download of ``rows`` under ``header``: UTF-8 with a byte order mark, so that Excel
    reads Vietnamese; None is an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Vary": "Accept"},
    )
