"""The hours CSV: one row per entry, in the shape endorsement portfolios ask for."""
from __future__ import annotations

import csv
import io

from reflect.hours.labels import kind_label, mode_label

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER = ["person_id", "person", "date", "start", "hours", "type", "type_label", "mode", "mode_label",
          "provider", "provider_qualification", "group", "corrected"]


def _cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def entries_csv(people_entries) -> str:
    """``people_entries``: (person, entries) pairs. UTF-8 with a byte-order mark, CRLF."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for person, entries in people_entries:
        for e in entries:
            writer.writerow([_cell(v) for v in (
                person.id, person.display_name, e.day.isoformat(), e.local_start.strftime("%H:%M"), f"{e.hours:.2f}",
                e.kind, kind_label(e.kind), e.mode, mode_label(e.mode), e.provider_name, e.qualification,
                e.group_name, "yes" if e.corrected else "no")])
    return out.getvalue()
