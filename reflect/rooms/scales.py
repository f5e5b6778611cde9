"""Check-in scales: our own 1–5 scales, in our own words (no licensed instrument)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Scale:
    slug: str
    question: object
    low: object
    high: object


SCALES = {
    scale.slug: scale
    for scale in (
        Scale("energy", _l("How much energy do you have today?"), _l("Running on empty"), _l("Full of energy")),
        Scale("supported", _l("How supported do you feel in your work right now?"), _l("On my own"), _l("Well supported")),
        Scale("weight", _l("How heavy is what you are carrying this week?"), _l("Light"), _l("Very heavy")),
        Scale("present", _l("How present can you be here today?"), _l("Far away"), _l("Fully here")),
        Scale("hopeful", _l("How hopeful do you feel about the families you work with?"), _l("Not hopeful"), _l("Very hopeful")),
    )
}
DEFAULT_SCALES = ["energy", "supported", "weight"]
MAX_SCALES = 3
FEELING_MAX = 40


def checked_scales(slugs: list[str] | None) -> list[str]:
    """One to three known scales, in the order given; the default when none."""
    slugs = [s for s in (slugs or []) if s in SCALES]
    unique = list(dict.fromkeys(slugs))[:MAX_SCALES]
    return unique or list(DEFAULT_SCALES)
