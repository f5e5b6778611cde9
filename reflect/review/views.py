"""The supervisor review area: dashboards, the print report, CSV and JSON exports, and the
admin's supervisor assignments. Thin views: validate, call a service, commit, respond."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError

from reflect.audit import record
from reflect.auth.access import roles_required
from reflect.auth.forms import EmptyForm
from reflect.db import get_session, utcnow
from reflect.local_time import UTC, local_today, to_local
from reflect.models import Role
from reflect.prompts import perspective_label
from reflect.review import access, exports
from reflect.review.forms import AssignForm, PeriodForm, PeriodQuery
from reflect.review.stats.attendance import attendance
from reflect.review.stats.checkins import checkin_trends
from reflect.review.stats.periods import Period, ReviewStatsError, make_period
from reflect.review.stats.report import group_report, overview_report
from reflect.review.stats.scope import Viewer
from reflect.review.stats.themes import theme_counts

bp = Blueprint("review", __name__)

REVIEWERS = (Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR)

PERIOD_ERRORS = {
    "by_invalid": _l("Choose by month, by quarter or the whole period."),
    "period_reversed": _l("The start date is after the end date."),
    "period_too_long": _l("Choose a period of at most ten years."),
}
ACCESS_ERRORS = {
    "group_not_found": _l("This group does not exist."),
    "not_a_supervisor": _l("Only active supervisor accounts can be assigned."),
    "already_assigned": _l("This supervisor is already assigned to the group."),
    "not_assigned": _l("This supervisor was not assigned to the group."),
}


# --- helpers -------------------------------------------------------------------------------


def _min_group_size() -> int:
    return int(current_app.config.get("REFLECT_MIN_GROUP_SIZE") or 3)


def _timezone() -> str:
    """The zone the review's days, months and years are counted in (``REFLECT_TIMEZONE``)."""
    return current_app.config.get("REFLECT_TIMEZONE") or UTC


def _today():
    return local_today(_timezone(), utcnow())


def _lang() -> str:
    """The reader's language, for the feelings' labels."""
    return str(get_locale() or "en")


def _viewer() -> Viewer:
    return Viewer(user_id=current_user.id, role=current_user.role)


def _group_or_404(group_id: int):
    group = access.visible_group(get_session(), current_user, group_id)
    if group is None:
        abort(404)
    return group


def _page_period() -> tuple[PeriodForm, Period | None]:
    form = PeriodForm(request.args)
    if not form.validate():
        if form.by.errors:  # WTForms' "Not a valid choice" says nothing about what to pick
            form.by.errors = [str(PERIOD_ERRORS["by_invalid"])]
        return form, None
    try:
        period = make_period(form.start.data, form.end.data, form.by.data or "month", _today(), _timezone())
    except ReviewStatsError as err:
        form.end.errors = list(form.end.errors) + [str(PERIOD_ERRORS[err.code])]
        return form, None
    form.start.data, form.end.data, form.by.data = period.start, period.end, period.by
    return form, period


def _api_period() -> Period:
    try:
        args = PeriodQuery().load(request.args.to_dict())
        return make_period(args["start"], args["end"], args["by"], _today(), _timezone())
    except ValidationError as err:
        abort(_json_error(400, _("The query could not be understood."), err.messages))
    except ReviewStatsError as err:
        abort(_json_error(400, str(PERIOD_ERRORS[err.code])))


def _json_error(status: int, message: str, fields: dict | None = None):
    body = {"error": message, "status": status}
    if fields:
        body["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    return response


def _query(period: Period) -> dict:
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "by": period.by}


def _audit_export(target: str, fmt: str, period: Period, kind: str | None = None) -> None:
    detail = {"format": fmt, "from": period.start.isoformat(), "to": period.end.isoformat()}
    if kind:
        detail["kind"] = kind
    db = get_session()
    record(db, current_user, "export", target, detail)
    db.commit()


def _csv_response(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _matrix(report: dict) -> dict:
    return exports.theme_matrix(report, str(get_locale() or "en"))


def _template_helpers() -> dict:
    locale = str(get_locale() or "en")
    return {
        "locale": locale,
        "scale_label": exports.scale_label,
        "bucket_label": exports.bucket_label,
        "phase_label": exports.phase_label,
        "card_text": lambda card: exports.card_text(card, locale),
        "theme_name": lambda slug, tag_label=None: exports.theme_name(slug, tag_label, locale),
        "perspective_name": lambda slug: perspective_label(slug, exports.lang(locale)),
        "viewer_role": current_user.role,
        "timezone": _timezone(),
    }


# --- dashboards ----------------------------------------------------------------------------


@bp.get("/review/")
@roles_required(*REVIEWERS)
def index():
    db = get_session()
    form, period = _page_period()
    groups = access.visible_groups(db, current_user)
    if period is None:
        return render_template("review/index.html", form=form, report=None, groups=groups,
                               **_template_helpers()), 400
    report = overview_report(db, groups, period, _viewer(), _min_group_size(), lang=_lang())
    return render_template("review/index.html", form=form, report=report, groups=groups,
                           query=_query(period), matrix=_matrix(report), **_template_helpers())


@bp.get("/review/groups/<int:group_id>")
@roles_required(*REVIEWERS)
def group(group_id: int):
    group = _group_or_404(group_id)
    form, period = _page_period()
    if period is None:
        return render_template("review/group.html", form=form, report=None, group=group,
                               **_template_helpers()), 400
    report = group_report(get_session(), group, period, _viewer(), _min_group_size(), lang=_lang())
    return render_template("review/group.html", form=form, report=report, group=group,
                           query=_query(period), matrix=_matrix(report), **_template_helpers())


@bp.get("/review/groups/<int:group_id>/report")
@roles_required(*REVIEWERS)
def report(group_id: int):
    group = _group_or_404(group_id)
    form, period = _page_period()
    if period is None:
        abort(400)
    data = group_report(get_session(), group, period, _viewer(), _min_group_size(), lang=_lang())
    _audit_export(f"group:{group.id}", "print", period)
    return render_template("review/report.html", report=data, group=group, query=_query(period),
                           matrix=_matrix(data), generated=to_local(utcnow(), _timezone()), **_template_helpers())


# --- exports -------------------------------------------------------------------------------


CSV_PARTS = {"themes": ("themes",), "checkins": ("checkins",), "attendance": ("attendance",),
             "attendance-years": ("attendance",), "attendance-log": ("attendance",)}


def _csv_for(kind: str, report: dict, group_names: dict[int, str]) -> str:
    locale = str(get_locale() or "en")
    if kind == "themes":
        return exports.themes_csv(report, locale)
    if kind == "checkins":
        return exports.checkins_csv(report)
    if kind == "attendance":
        return exports.attendance_csv(report, group_names)
    if kind == "attendance-years":
        return exports.attendance_years_csv(report, group_names)
    return exports.attendance_log_csv(report, group_names)


@bp.get("/review/groups/<int:group_id>/export/<kind>.csv")
@roles_required(*REVIEWERS)
def group_csv(group_id: int, kind: str):
    group = _group_or_404(group_id)
    if kind not in exports.CSV_KINDS:
        abort(404)
    form, period = _page_period()
    if period is None:
        abort(400)
    data = group_report(get_session(), group, period, _viewer(), _min_group_size(), parts=CSV_PARTS[kind],
                              lang=_lang())
    text = _csv_for(kind, data, {group.id: group.name})
    _audit_export(f"group:{group.id}", "csv", period, kind)
    return _csv_response(text, f"reflect-group-{group.id}-{kind}-{period.start}_{period.end}.csv")


@bp.get("/review/export/<kind>.csv")
@roles_required(*REVIEWERS)
def overview_csv(kind: str):
    if kind not in exports.CSV_KINDS:
        abort(404)
    form, period = _page_period()
    if period is None:
        abort(400)
    db = get_session()
    groups = access.visible_groups(db, current_user)
    ids = [g.id for g in groups]
    data = {"period": period.as_dict(), "buckets": period.buckets()}
    if kind == "themes":
        data["themes"] = theme_counts(db, ids, period, _viewer())
    elif kind == "checkins":
        data["checkins"] = checkin_trends(db, ids, period, _min_group_size())
    else:
        data["attendance"] = attendance(db, ids, period, log=kind == "attendance-log")
    text = _csv_for(kind, data, {g.id: g.name for g in groups})
    _audit_export("review:overview", "csv", period, kind)
    return _csv_response(text, f"reflect-all-groups-{kind}-{period.start}_{period.end}.csv")


@bp.get("/api/review/groups/<int:group_id>")
@roles_required(*REVIEWERS)
def api_group(group_id: int):
    group = _group_or_404(group_id)
    period = _api_period()
    data = group_report(get_session(), group, period, _viewer(), _min_group_size(), lang=_lang())
    body = exports.group_json(data, get_locale())
    _audit_export(f"group:{group.id}", "json", period)
    return jsonify(body)


@bp.get("/api/review/overview")
@roles_required(*REVIEWERS)
def api_overview():
    period = _api_period()
    db = get_session()
    groups = access.visible_groups(db, current_user)
    data = overview_report(db, groups, period, _viewer(), _min_group_size(), lang=_lang())
    body = exports.overview_json(data, get_locale())
    _audit_export("review:overview", "json", period)
    return jsonify(body)


# --- supervisor assignments (admin) --------------------------------------------------------


def _render_assignments(status: int = 200):
    db = get_session()
    table = access.assignment_table(db)
    candidates = access.supervisors(db)
    forms = {}
    for row in table:
        taken = {u.id for u in row["supervisors"]}
        form = AssignForm(formdata=None, prefix=f"g{row['group'].id}")
        form.user_id.choices = [(u.id, f"{u.display_name or u.email} ({u.email})") for u in candidates if u.id not in taken]
        forms[row["group"].id] = form
    return render_template("review/assignments.html", table=table, forms=forms, remove_form=EmptyForm(),
                           have_supervisors=bool(candidates)), status


@bp.get("/review/assignments")
@roles_required(Role.ADMIN)
def assignments():
    return _render_assignments()


@bp.post("/review/assignments/<int:group_id>/add")
@roles_required(Role.ADMIN)
def assign(group_id: int):
    db = get_session()
    form = AssignForm(prefix=f"g{group_id}")
    form.user_id.choices = [(u.id, u.email) for u in access.supervisors(db)]
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Choose a supervisor to assign."), "error")
        return redirect(url_for("review.assignments"))
    try:
        access.assign_supervisor(db, current_user, group_id, form.user_id.data)
    except access.AccessError as err:
        db.rollback()
        if err.code == "group_not_found":
            abort(404)
        flash(str(ACCESS_ERRORS[err.code]), "error")
    else:
        db.commit()
        flash(_("Supervisor assigned."), "success")
    return redirect(url_for("review.assignments") + f"#group-{group_id}")


@bp.post("/review/assignments/<int:group_id>/remove/<int:user_id>")
@roles_required(Role.ADMIN)
def unassign(group_id: int, user_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    db = get_session()
    try:
        access.unassign_supervisor(db, current_user, group_id, user_id)
    except access.AccessError as err:
        db.rollback()
        if err.code == "group_not_found":
            abort(404)
        flash(str(ACCESS_ERRORS[err.code]), "error")
    else:
        db.commit()
        flash(_("Supervisor removed from the group."), "success")
    return redirect(url_for("review.assignments") + f"#group-{group_id}")
