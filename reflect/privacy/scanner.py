"""Scan a short reflection for likely identifying details.

Practitioners write short reflections (English, Spanish, or both) about the
children and families they serve.  Before a reflection is shared with the
group, :func:`scan` looks for details that could identify a child or family so
the phone can highlight them ("edit" or "share anyway").

Everything is deterministic, offline and standard-library only: compiled
regular expressions plus curated word lists in ``data/``.  A scan has two
passes:

1. details with a recognisable shape (:mod:`.patterns`): e-mail addresses,
   US phone numbers, case/record numbers, street addresses, dates;
2. personal names and ages tied to names (:mod:`.names`), skipping text
   already claimed by pass 1 and phrases such as "Head Start".

Overlapping candidates are resolved by category priority (e-mail > labelled
record number > phone > address > date > name > age), then by length, so the
returned spans never overlap.

Documented decisions
--------------------
* Names that are also ordinary words ("Grace", "Hope", "Rosa", "Luz",
  "Lucía" = "looked", "Ella" = "she", "Mía" = "mine"; see
  ``data/ambiguous_names.txt``) are flagged when capitalised mid-sentence or
  after a cue, never in lowercase, and at the start of a sentence only with
  supporting context ("Grace's mom", "Mason (4 yrs)", "Frank, the dad,").
* "Mercedes" is one of those: "... si Mercedes se siente ..." is flagged (in
  this setting a person is far more likely than the car), "I drove my
  Mercedes" / "Mercedes-Benz" / a sentence-initial "Mercedes" with no other
  support are not.
* Months and weekdays that are also given names (April, June, Abril, Julio,
  Domingo) are names only after a cue ("baby June") or in an appositive
  ("June, the assistant teacher,").
* A month with a day is a date ("May 3rd", "el 3 de mayo", "born on 3/14");
  a month alone, a weekday, a year, month + year ("March 2022"), or a date
  naming an event ("the 4th of July parade") is not.
* Ages are flagged only when tied to a name; "the baby is 9 months old" is
  not.
* Capitalised words not in any list are treated as names when they stand
  alone mid-sentence ("... about Kenji and ...") -- unusual given names are
  common and no list is complete -- unless they are known common words,
  places, organisations, children's media, part of a Title Case phrase, or
  follow an article or place preposition.  Famous characters that are also
  real given names ("dressed as Elsa") are still flagged.
* A lone city is not flagged; a city inside a street address is part of the
  address span.
"""

from __future__ import annotations

from dataclasses import dataclass

from .names import MASK_PHRASES_RE, find_ages, find_names
from .patterns import PRIORITY, Candidate, structured_candidates

__all__ = ["CATEGORIES", "Span", "ScanResult", "scan"]

CATEGORIES: tuple[str, ...] = (
    "name",
    "date",
    "age",
    "phone",
    "email",
    "address",
    "record_number",
)


@dataclass(frozen=True)
class Span:
    """A flagged region ``text[start:end]`` of the given ``category``."""

    start: int
    end: int
    category: str


@dataclass(frozen=True)
class ScanResult:
    flagged: bool
    categories: tuple[str, ...]  # sorted, unique
    spans: tuple[Span, ...]  # sorted, non-overlapping

    def to_json_dict(self) -> dict:
        return {
            "flagged": self.flagged,
            "categories": list(self.categories),
            "spans": [[s.start, s.end, s.category] for s in self.spans],
        }


_EMPTY = ScanResult(False, (), ())


def scan(text: str) -> ScanResult:
    """Scan ``text`` for likely identifying details of children and families."""
    if not text or not text.strip():
        return _EMPTY

    cands = [_trimmed(text, c) for c in structured_candidates(text)]

    masked = bytearray(len(text))
    for start, end, _cat, _prio in cands:
        masked[start:end] = b"\x01" * (end - start)
    for m in MASK_PHRASES_RE.finditer(text):
        masked[m.start() : m.end()] = b"\x01" * (m.end() - m.start())

    names = find_names(text, masked)
    cands += [(s, e, "name", PRIORITY["name"]) for s, e in names]
    cands += [_trimmed(text, (s, e, "age", PRIORITY["age"])) for s, e in find_ages(text, names)]

    spans = tuple(_merge_adjacent(text, _resolve(cands)))
    categories = tuple(sorted({s.category for s in spans}))
    return ScanResult(bool(spans), categories, spans)


def _trimmed(text: str, cand: Candidate) -> Candidate:
    start, end, cat, prio = cand
    while start < end and text[start] in " \t,;:":
        start += 1
    while end > start and text[end - 1] in " \t,;:":
        end -= 1
    return start, end, cat, prio


def _resolve(cands: list[Candidate]) -> list[Span]:
    """Keep the highest-priority (then longest) candidates that do not overlap."""
    chosen: list[tuple[int, int, str]] = []
    for start, end, cat, _prio in sorted(cands, key=lambda c: (-c[3], -(c[1] - c[0]), c[0])):
        if start < end and all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, cat))
    chosen.sort()
    return [Span(s, e, c) for s, e, c in chosen]


def _merge_adjacent(text: str, spans: list[Span], category: str = "address") -> list[Span]:
    """Join e.g. "1450 Avenida Central" + ", apto 7" into one address span."""
    merged: list[Span] = []
    for span in spans:
        prev = merged[-1] if merged else None
        if prev and prev.category == category == span.category and not text[prev.end : span.start].strip(" ,"):
            merged[-1] = Span(prev.start, span.end, category)
        else:
            merged.append(span)
    return merged
