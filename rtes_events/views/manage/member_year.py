"""A member authority's year (``/espace/adherents/<id>``), for admins: the network's events its
people registered for and came to, with counts (no one named), and the same table as XLSX — what
the team needs when it writes to a member at renewal time."""

from flask import Response, abort, render_template, request
from flask_login import current_user
from slugify import slugify

from ... import audit, clock, exports, indicators
from ...extensions import db
from ...models import MemberOrganisation
from ...permissions import can_manage
from . import bp


def _member(member_id: int) -> MemberOrganisation:
    if not can_manage(current_user, None, "members"):
        abort(403)
    return db.session.get(MemberOrganisation, member_id) or abort(404)


def _year() -> int | None:
    """``annee`` (this year by default), or None when it is not a year."""
    text = (request.args.get("annee") or "").strip()
    if not text:
        return clock.local_today().year
    if not (text.isascii() and text.isdigit() and 1900 <= int(text) <= 2999):
        return None
    return int(text)


@bp.get("/adherents/<int:member_id>", endpoint="member_year")
def member_year(member_id: int):
    member = _member(member_id)
    year = _year()
    years = sorted({*indicators.member_years(member), clock.local_today().year}, reverse=True)
    page = {"member": member, "years": years, "headers": indicators.MEMBER_YEAR_HEADERS}
    if year is None:
        error = "« annee » doit être une année entre 1900 et 2999, par exemple 2019."
        return render_template("manage/member_year.html", error=error, year=None, rows=[], **page), 400
    rows = indicators.member_year(member, year)
    return render_template(
        "manage/member_year.html",
        year=year,
        rows=rows,
        table=indicators.member_year_rows(rows),
        totals={
            "events": len(rows),
            "registered": sum(item.registered for item in rows),
            "came": sum(item.came for item in rows),
        },
        **page,
    )


@bp.get("/adherents/<int:member_id>/annee.xlsx")
def member_year_export(member_id: int):
    member = _member(member_id)
    year = _year()
    if year is None:
        abort(400, "« annee » doit être une année entre 1900 et 2999.")
    rows = indicators.member_year(member, year)
    content = exports.to_xlsx(
        indicators.MEMBER_YEAR_HEADERS, indicators.member_year_rows(rows), title=str(year)
    )
    audit.record("member_year.exported", member_id=member.id, member=member.name, year=year, events=len(rows))
    db.session.commit()
    filename = f"adherent-{slugify(member.name)[:80] or member.id}-{year}.xlsx"
    return Response(
        content,
        mimetype=exports.FORMATS["xlsx"],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
