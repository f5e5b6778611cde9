"""Labels, CSV files and the JSON shape of the review figures.

Everything here reads a report built by :mod:`reflect.review.stats.report`; nothing queries the
database, so an export can never hold more than the page it comes from.
"""
from __future__ import annotations

import csv
import io
from datetime import date

from flask_babel import format_date, gettext as _, lazy_gettext as _l

from reflect.prompts import perspective_label, theme_label
from reflect.prompts.themes import get_theme
from reflect.review.stats.periods import WHOLE_PERIOD
from reflect.templating import PHASE_LABELS

SCALE_LABELS = {
    "energy": _l("Energy"),
    "supported": _l("Feeling supported"),
    "weight": _l("Weight I'm carrying"),
    "present": _l("Present"),
    "hopeful": _l("Hopeful"),
}
# what a spreadsheet may take as the start of a formula or a command (``|`` is DDE's:
# ``=cmd|' /C calc'!A0`` has a sibling that begins with the pipe)
FORMULA_START = ("=", "+", "-", "@", "|", "\t", "\r")


def lang(locale) -> str:
    return str(locale or "en").split("_")[0].split("-")[0]


def scale_label(slug: str) -> str:
    label = SCALE_LABELS.get(slug)
    return str(label) if label else slug.replace("-", " ").capitalize()


def phase_label(phase: str) -> str:
    """The phase's name as the console and the summary show it (``templating.PHASE_LABELS``,
    one list for the whole app)."""
    label = PHASE_LABELS.get(phase)
    return str(label) if label else phase


def theme_name(slug: str, tag_label: dict | None, locale) -> str:
    """The vocabulary's label, else the tag's own label in this language, else the slug."""
    if get_theme(slug):
        return theme_label(slug, lang(locale))
    tag_label = tag_label or {}
    return tag_label.get(lang(locale)) or tag_label.get("en") or slug


def bucket_label(bucket: str) -> str:
    if bucket == WHOLE_PERIOD:
        return _("Whole period")
    if "-Q" in bucket:
        year, quarter = bucket.split("-Q")
        return _("Q%(quarter)s %(year)s", quarter=quarter, year=year)
    year, month = bucket.split("-")
    return format_date(date(int(year), int(month), 1), "MMM y")


def card_text(card: dict | None, locale) -> str:
    if not card:
        return ""
    texts = card.get("text") or {}
    first = (card.get("languages") or ["en"])[0]
    return texts.get(lang(locale)) or texts.get(first) or next(iter(texts.values()), "")


# --- JSON -----------------------------------------------------------------------------------


def _label_themes(themes: dict, locale) -> dict:
    labels = {t["slug"]: theme_name(t["slug"], t.get("tag_label"), locale) for t in themes["totals"]}
    return {
        "totals": [
            {"slug": t["slug"], "label": labels[t["slug"]], "cards": t["cards"], "notes": t["notes"], "total": t["total"]}
            for t in themes["totals"]
        ],
        "by_bucket": [dict(c, label=labels.get(c["slug"], c["slug"])) for c in themes["cells"]],
    }


def _label_checkins(checkins: list[dict]) -> list[dict]:
    return [dict(s, label=scale_label(s["scale"])) for s in checkins]


def _label_notes(notes: list[dict], locale) -> list[dict]:
    out = []
    for note in notes:
        card = note["card"]
        out.append({
            "date": note["date"],
            "phase": note["phase"],
            "phase_label": phase_label(note["phase"]),
            "text": note["text"],
            "card": (
                {"text": card_text(card, locale), "perspective": card["perspective"],
                 "perspective_label": perspective_label(card["perspective"], lang(locale)),
                 "position": card["position"] + 1}
                if card else None
            ),
            "tags": [{"slug": t["slug"], "label": theme_name(t["slug"], t["label"], locale)} for t in note["tags"]],
        })
    return out


def _shared_json(report: dict, locale) -> dict:
    """What the group and overview documents have in common."""
    return {
        "period": report["period"],
        "min_group_size": report["min_group_size"],
        "buckets": [{"bucket": b, "label": bucket_label(b)} for b in report["buckets"]],
        "sessions": {k: v for k, v in report["sessions"].items() if k != "per_group"},
        "themes": _label_themes(report["themes"], locale),
        "checkins": _label_checkins(report["checkins"]),
        "feelings": report["feelings"],
    }


def group_json(report: dict, locale) -> dict:
    attendance = report["attendance"]
    return {
        "group": report["group"],
        **_shared_json(report, locale),
        "attendance": {
            "members": [{k: m[k] for k in ("id", "name", "active", "sessions", "hours", "years")}
                        for m in attendance["members"]],
            "years": attendance["years"],
            "sessions": [{k: s[k] for k in ("id", "date", "start", "end", "start_utc", "end_utc", "hours", "attendees",
                                            "others")}
                         for s in attendance["sessions"]],
        },
        "takeaways": report["takeaways"],
        "shared_notes": _label_notes(report["shared_notes"], locale),
    }


def overview_json(report: dict, locale) -> dict:
    return {"groups": report["groups"], **_shared_json(report, locale)}


# --- CSV ------------------------------------------------------------------------------------

CSV_KINDS = ("themes", "checkins", "attendance", "attendance-years", "attendance-log")


def _cell(value):
    """Text that a spreadsheet would run as a formula is quoted with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheet programs read UTF-8 (accents in Spanish names)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def _scope(report: dict) -> tuple[str, str]:
    if "group" in report:
        return str(report["group"]["id"]), report["group"]["name"]
    return "all", _("All groups you can see")


def themes_csv(report: dict, locale) -> str:
    scope_id, scope_name = _scope(report)
    themes = _label_themes(report["themes"], locale)
    rows = [
        [scope_id, scope_name, c["bucket"], c["slug"], c["label"], c["cards"], c["notes"], c["total"]]
        for c in themes["by_bucket"]
    ]
    rows += [
        [scope_id, scope_name, WHOLE_PERIOD, t["slug"], t["label"], t["cards"], t["notes"], t["total"]]
        for t in themes["totals"]
    ]
    return _csv(["group_id", "group", "period", "theme", "theme_label", "from_cards", "from_notes", "total"], rows)


def checkins_csv(report: dict) -> str:
    scope_id, scope_name = _scope(report)
    rows = []
    for scale in report["checkins"]:
        for row in scale["rows"] + [scale["total"]]:
            for kind in ("opening", "closing", "change"):
                cell = row[kind]
                ok = cell["status"] == "ok"
                rows.append([
                    scope_id, scope_name, row["bucket"], scale["scale"], scale_label(scale["scale"]), kind,
                    cell["status"], cell["n"] if ok else "", cell.get("sessions", cell.get("rounds", "")) if ok else "",
                    cell["mean"] if ok else "",
                ])
    return _csv(["group_id", "group", "period", "scale", "scale_label", "kind", "status", "answers",
                 "rounds_or_sessions", "mean"], rows)


def attendance_csv(report: dict, group_names: dict[int, str]) -> str:
    rows = [
        [m["group_id"], group_names.get(m["group_id"], ""), m["name"], "yes" if m["active"] else "no",
         m["sessions"], f'{m["hours"]:.2f}', report["period"]["from"], report["period"]["to"]]
        for m in report["attendance"]["members"]
    ]
    return _csv(["group_id", "group", "person", "on_roster", "sessions_attended", "hours", "from", "to"], rows)


def attendance_years_csv(report: dict, group_names: dict[int, str]) -> str:
    """Per person and calendar year (in the configured time zone): the sessions and hours
    of that year within the period; ``from``/``to`` say which part of the year that is."""
    years = report["attendance"]["years"]
    rows = [
        [m["group_id"], group_names.get(m["group_id"], ""), m["name"], "yes" if m["active"] else "no", y["year"],
         y["sessions"], f'{y["hours"]:.2f}', span["from"], span["to"]]
        for m in report["attendance"]["members"]
        for y, span in zip(m["years"], years)
    ]
    return _csv(["group_id", "group", "person", "on_roster", "year", "sessions_attended", "hours", "from", "to"], rows)


def attendance_log_csv(report: dict, group_names: dict[int, str]) -> str:
    """The endorsement log. ``date`` is the day in the configured time zone (the
    ``timezone`` column); the UTC columns come first, as they always have, then the same
    start and end as wall-clock times in that zone."""
    tz = report["period"].get("timezone", "UTC")
    rows = [
        [e["group_id"], group_names.get(e["group_id"], ""), e["name"], e["date"], e["start_utc"], e["end_utc"],
         f'{e["hours"]:.2f}', e["start"], e["end"], tz]
        for e in report["attendance"]["log"]
    ]
    return _csv(["group_id", "group", "person", "date", "start_utc", "end_utc", "hours", "start_local", "end_local",
                 "timezone"], rows)


def theme_matrix(report: dict, locale, top: int = 5) -> dict:
    """The ``top`` most frequent themes, with their count in each bucket (for a chart)."""
    slugs = [t["slug"] for t in report["themes"]["totals"][:top]]
    labels = {t["slug"]: theme_name(t["slug"], t.get("tag_label"), locale) for t in report["themes"]["totals"][:top]}
    counts = {(c["bucket"], c["slug"]): c["total"] for c in report["themes"]["cells"]}
    return {
        "slugs": [(s, labels[s]) for s in slugs],
        "rows": [(b, [counts.get((b, s), 0) for s in slugs]) for b in report["buckets"]],
    }
