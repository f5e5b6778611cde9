"""The letter as a PDF, drawn with fpdf2 from the letter as issued.

fpdf2 is pure Python, installs from PyPI with the project's dependencies, is actively
maintained, embeds TrueType fonts (subset) and draws tables; no browser or system
library is needed to make a letter. The font is DejaVu Sans, shipped in
``reflect/hours/fonts`` (its licence beside it): it covers Spanish (á, ñ, ¿, ¡) and
names in most Latin, Greek and Cyrillic scripts.

Call inside an app context with the letter's language forced (``flask_babel.force_locale``).
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask_babel import format_date, format_time, gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from reflect.hours.labels import kind_label, mode_label

FONTS = Path(__file__).parent / "fonts"


class _Letter(FPDF):
    """A page with the verification code, its address and the page number at its foot."""

    foot = ""

    def footer(self):
        self.set_y(-14)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(90, 90, 90)
        page = _("Page %(n)s of %(total)s", n=self.page_no(), total="{nb}")
        self.multi_cell(0, 4, f"{self.foot} · {page}", align="C")
        self.set_text_color(0, 0, 0)


def _pdf() -> FPDF:
    pdf = _Letter(format="Letter", unit="mm")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_font("DejaVu", size=10)
    return pdf


def render(letter, *, verify_url: str, code: str) -> bytes:
    """The PDF of an issued letter (``HoursLetter``) in the current language."""
    data = letter.data
    provider = data["provider"]
    totals = data["totals"]
    pdf = _pdf()
    pdf.foot = _("Verification code: %(code)s", code=code) + " · " + verify_url
    pdf.set_title(_("Reflective supervision/consultation hours"))
    pdf.set_creator("reflect")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, _("Reflective supervision/consultation hours"), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 5.5, _("Verification code: %(code)s", code=code) + " · " + _("Check this letter at %(url)s",
                                                                                  url=verify_url),
                   align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    start, end = letter.period_start, letter.period_end
    intro = _("This letter confirms the reflective supervision/consultation (RS/C) hours that "
              "%(provider)s provided to %(person)s from %(start)s to %(end)s.",
              provider=provider["name"], person=data["person"], start=format_date(start, "long"),
              end=format_date(end, "long"))
    pdf.multi_cell(0, 5.5, intro, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.multi_cell(0, 5.5, _("Practitioner: %(name)s", name=data["person"]), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5.5, _("Provider: %(name)s", name=provider["name"]), align="L", new_x="LMARGIN", new_y="NEXT")
    if provider.get("qualification"):
        pdf.multi_cell(0, 5.5, _("Qualification: %(text)s", text=provider["qualification"]),
                       align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5.5, _("Times are in %(zone)s.", zone=data.get("timezone") or "UTC"),
                   align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    heading = FontFace(emphasis="BOLD", fill_color=(230, 236, 240))
    pdf.set_font("DejaVu", "", 8.5)
    with pdf.table(col_widths=(23, 12, 14, 27, 25, 79), headings_style=heading, line_height=4.6,
                   text_align=("LEFT", "LEFT", "RIGHT", "LEFT", "LEFT", "LEFT")) as table:
        row = table.row()
        for label in (_("Date"), _("Start"), _("Hours"), _("Type"), _("Mode"), _("Provider and qualification")):
            row.cell(label)
        for entry in data["entries"]:
            row = table.row()
            row.cell(format_date(date.fromisoformat(entry["date"]), "medium"))
            row.cell(entry["start"])
            row.cell(_format_hours(entry["hours"]))
            row.cell(kind_label(entry["kind"]))
            row.cell(mode_label(entry["mode"]))
            who = provider["name"] + (f" — {provider['qualification']}" if provider.get("qualification") else "")
            row.cell(who)
    pdf.set_font("DejaVu", "", 10)
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 6, _("Totals"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 5.5, _("Group RS/C: %(hours)s hours (%(count)s sessions)", hours=_format_hours(totals["group"]),
                             count=totals["group_count"]), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5.5, _("Individual RS/C: %(hours)s hours (%(count)s meetings)",
                             hours=_format_hours(totals["individual"]), count=totals["individual_count"]),
                   align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 10)
    pdf.multi_cell(0, 5.5, _("Total RS/C: %(hours)s hours", hours=_format_hours(totals["total"])),
                   align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 6, _("Attestation"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    signed: datetime = letter.signed_at
    when = f"{format_date(signed, 'long')}, {format_time(signed, 'short')}"
    pdf.multi_cell(0, 5.5, _("Confirmed by %(provider)s, the provider of these hours, on %(when)s "
                             "(recorded by the server when the provider signed it off).",
                             provider=provider["name"], when=when), align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _format_hours(value: str) -> str:
    from flask_babel import format_decimal

    return format_decimal(float(value), "0.00")
