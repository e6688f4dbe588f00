"""The information pages' texts, for admins only: the list, and each page's form."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ... import audit, site_pages
from ...extensions import db
from ...forms.site_pages import SitePageForm
from ...permissions import can_manage
from . import bp


def admins_only() -> None:
    if not can_manage(current_user, None, "pages"):
        abort(403)


@bp.get("/pages/")
def site_pages_list():
    admins_only()
    pages = {key: page for key, page in site_pages.PAGES.items() if page.editable}
    return render_template(
        "manage/site_pages.html", pages=pages, contents={key: site_pages.content(key) for key in pages}
    )


@bp.route("/pages/<key>", methods=["GET", "POST"])
def site_page_edit(key: str):
    admins_only()
    page = site_pages.PAGES.get(key)
    if page is None or not page.editable:
        abort(404)
    content = site_pages.content(key)
    form = SitePageForm(key)
    if not form.is_submitted():
        form.text.data = content.text
        form.contact.data = content.contact
        if key == "accessibilite":
            form.status.data, form.declared_on.data = content.status, content.declared_on
    elif form.validate():
        status = form.status.data if key == "accessibilite" else None
        declared_on = form.declared_on.data if key == "accessibilite" else None
        if site_pages.save(key, form.text.data or "", form.contact.data or "", status, declared_on):
            audit.record("page.updated", page=key)
            db.session.commit()
            flash(f"Page « {page.title} » enregistrée.", "success")
        else:
            flash("Aucune modification.", "info")
        return redirect(url_for("manage.site_page_edit", key=key), 303)
    return render_template("manage/site_page_form.html", form=form, key=key, page=page, content=content), (
        400 if form.is_submitted() else 200
    )
