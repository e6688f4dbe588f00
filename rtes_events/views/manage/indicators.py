"""Indicators for funders (``/espace/indicateurs``): admins see every event, co-organisers those
they manage; the same figures as XLSX, and the funders' list of events as text or CSV."""

from flask import Response, abort, render_template, request
from flask_login import current_user

from ... import audit, indicators, programmes, reports
from ...extensions import db
from ...models.surveys import QUESTIONS
from ...permissions import scope_clause
from . import bp


def _selection() -> indicators.Selection:
    return indicators.Selection.from_args(request.args, scope_clause(current_user))


@bp.get("/indicateurs", endpoint="indicators")
def indicators_page():
    try:
        report = indicators.compute(_selection())
    except indicators.InvalidSelection as exc:
        return _page(None, str(exc)), 400
    return _page(report)


def _page(report, error: str | None = None) -> str:
    return render_template(
        "manage/indicators.html",
        report=report,
        error=error,
        args=request.args,
        programmes=programmes.all_programmes(),
        questions=QUESTIONS,
        source_label=indicators.source_label,
    )


@bp.get("/indicateurs/export.<fmt>")
def indicators_export(fmt: str):
    if fmt not in reports.FORMATS:
        abort(404)
    try:
        selection = _selection()
    except indicators.InvalidSelection as exc:
        return _page(None, str(exc)), 400
    report = indicators.compute(selection)
    content, filename = reports.build(report, fmt)
    audit.record("indicators.exported", format=fmt, events=len(report.events), **selection.as_args())
    db.session.commit()
    return Response(
        content,
        mimetype=reports.FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
