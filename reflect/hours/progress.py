"""Progress toward endorsement from a person's entries: pure functions, no database.

Totals by type (group and individual RS/C apart), by provider and by endorsement year;
the targets (24 and 50 hours by default, then 12 a year to renew); and whether "most
hours from one provider, the rest from at most one other" holds.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Targets:
    levels: tuple[tuple[str, Decimal], ...] = (("ifs", Decimal(24)), ("imhs", Decimal(50)))
    renewal: Decimal = Decimal(12)


def year_of(day: date, start_month: int) -> int:
    """The endorsement year holding ``day``, named by the calendar year it starts in."""
    return day.year if day.month >= start_month else day.year - 1


def year_bounds(year: int, start_month: int) -> tuple[date, date]:
    from datetime import timedelta

    start = date(year, start_month, 1)
    end = date(year + 1, start_month, 1) - timedelta(days=1)
    return start, end


def totals(entries) -> dict:
    group = sum((e.hours for e in entries if e.kind == "group"), ZERO)
    individual = sum((e.hours for e in entries if e.kind == "individual"), ZERO)
    return {"group": group, "individual": individual, "total": group + individual,
            "group_count": sum(1 for e in entries if e.kind == "group"),
            "individual_count": sum(1 for e in entries if e.kind == "individual")}


def by_provider(entries) -> list[dict]:
    rows: dict = {}
    for e in entries:
        row = rows.setdefault(e.provider_id, {"provider_id": e.provider_id, "name": e.provider_name,
                                              "qualification": e.qualification, "group": ZERO,
                                              "individual": ZERO, "total": ZERO})
        row[e.kind] += e.hours
        row["total"] += e.hours
    return sorted(rows.values(), key=lambda r: (-r["total"], r["name"]))


def by_year(entries, start_month: int) -> list[dict]:
    rows: dict[int, dict] = {}
    for e in entries:
        year = year_of(e.day, start_month)
        start, end = year_bounds(year, start_month)
        row = rows.setdefault(year, {"year": year, "from": start, "to": end, "group": ZERO,
                                     "individual": ZERO, "total": ZERO})
        row[e.kind] += e.hours
        row["total"] += e.hours
    return [rows[y] for y in sorted(rows)]


def provider_rule(provider_rows: list[dict]) -> dict:
    """Whether most hours come from one provider and the rest from at most one other.

    ``status``: ``none`` (no hours yet), ``one`` (all from one provider), ``holds`` (a
    main provider gave more than half, one other the rest), ``no_majority`` (two
    providers, neither gave more than half), ``too_many`` (three or more)."""
    total = sum((r["total"] for r in provider_rows), ZERO)
    if not provider_rows or total == 0:
        return {"status": "none", "holds": True}
    main = provider_rows[0]
    share = int((main["total"] * 100 / total).to_integral_value()) if total else 0
    result = {"main": main["name"], "main_hours": main["total"], "share": share, "total": total,
              "count": len(provider_rows)}
    if len(provider_rows) == 1:
        return {**result, "status": "one", "holds": True}
    if len(provider_rows) > 2:
        return {**result, "status": "too_many", "holds": False,
                "others": [r["name"] for r in provider_rows[1:]]}
    other = provider_rows[1]
    result["other"], result["other_hours"] = other["name"], other["total"]
    if main["total"] * 2 > total:
        return {**result, "status": "holds", "holds": True}
    return {**result, "status": "no_majority", "holds": False}


def progress(entries, *, start_month: int, today: date, targets: Targets) -> dict:
    tot = totals(entries)
    providers = by_provider(entries)
    years = by_year(entries, start_month)
    current = year_of(today, start_month)
    start, end = year_bounds(current, start_month)
    this_year = next((y for y in years if y["year"] == current),
                     {"year": current, "from": start, "to": end, "group": ZERO, "individual": ZERO, "total": ZERO})
    levels = [{"key": key, "target": target, "reached": tot["total"] >= target,
               "remaining": max(ZERO, target - tot["total"]),
               "percent": min(100, int((tot["total"] * 100 / target).to_integral_value())) if target else 100}
              for key, target in targets.levels]
    renewal = {"target": targets.renewal, "year": this_year, "reached": this_year["total"] >= targets.renewal,
               "remaining": max(ZERO, targets.renewal - this_year["total"]),
               "percent": min(100, int((this_year["total"] * 100 / targets.renewal).to_integral_value()))
               if targets.renewal else 100}
    for y in years:
        y["renewal_reached"] = y["total"] >= targets.renewal
    return {"totals": tot, "providers": providers, "years": years, "levels": levels, "renewal": renewal,
            "rule": provider_rule(providers)}
