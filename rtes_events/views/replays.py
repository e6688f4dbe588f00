"""Replays: the catalogue, a replay's page and player, its files, the Atom feed, the opt-out link."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from .. import cache, clock, opt_outs, registry, replays, uploads
from ..extensions import csrf
from ..models.replays import ACCESS
from ..plugins import hook
from ..replays import FILE_ROUTES, FILES
from ..security import HEADERS
from ..urls import external_url
from ..videos import chapters_text, timestamp, video_of
from .public import page_number

bp = Blueprint("replays", __name__, url_prefix="/replays")

PER_PAGE = 20
LOCKED = "Réservé aux collectivités adhérentes — connectez-vous"


@bp.app_template_filter("atom_date")
def atom_date(moment) -> str:
    """A stored UTC time (now when None) in RFC 3339, as Atom wants it."""
    return f"{moment or clock.now():%Y-%m-%dT%H:%M:%SZ}"


@bp.app_context_processor
def announcement_links():
    """The links of the announcement e-mail (rendered by the worker, outside any request)."""

    def replay_links(registration) -> dict:
        return {
            "replay_url": external_url("replays.replay", slug=registration.event.slug),
            "opt_out_url": opt_outs.link(registration.email),
        }

    return {"replay_links": replay_links}


def catalogue_key():
    return replays.CatalogueFilter.from_args(request.args).as_args(), page_number()


@bp.get("/")
@cache.public(("events", "shared"), key=catalogue_key)
def index():
    filters = replays.CatalogueFilter.from_args(request.args)
    page = registry.page_of(replays.catalogue(filters), page_number(), PER_PAGE)
    choices = registry.filter_choices()
    choices["annee"] = [(str(year), str(year)) for year in replays.years()]
    choices["ressource"] = list(replays.RESOURCE_FILTERS.items())
    return render_template(
        "replays/index.html",
        filters=filters,
        choices=choices,
        page=page,
        found=replays.replays_of(page.items),
    )


@bp.get("/flux.atom")
@cache.public(("events", "shared"), key=lambda: (), moments=False, feed=True)
def atom():
    body = render_template(
        "replays/feed.xml", replays=replays.latest(), external_url=external_url, file_routes=FILE_ROUTES
    )
    return Response(body, content_type="application/atom+xml; charset=utf-8")


def _start() -> int:
    return max(request.args.get("t", 0, type=int), 0)


def _playing() -> bool:
    return request.args.get("lecture") == "1"


@bp.get("/<slug>/")
def replay(slug: str):
    """The replay page; ``?lecture=1`` (and ``t``, seconds) shows the host's player in it, which
    the page's Content-Security-Policy then allows, and only then."""
    found = replays.by_slug(slug) or abort(404)
    video = found.resource("video")
    origin = None
    if _playing() and video and video.url and replays.can_read(current_user, found, video):
        origin = video_of(video.url).origin
    if request.method == "GET":
        replays.count(found, "video" if origin else "page")
    response = make_response(_page(slug))
    if origin:
        policy = f"{HEADERS['Content-Security-Policy']}; frame-src {origin}"
        response.headers["Content-Security-Policy"] = policy
    return response


@cache.public(("events", "shared"), key=lambda: (_playing(), _start()), moments=False)
def _page(slug: str):
    found = replays.by_slug(slug) or abort(404)
    event = found.event
    return render_template(
        "replays/replay.html",
        event=event,
        replay=found,
        readable=lambda resource: replays.can_read(current_user, found, resource),
        video_of=video_of,
        playing=_playing(),
        start=_start(),
        timestamp=timestamp,
        chapters_text=chapters_text,
        file_routes=FILE_ROUTES,
        locked=LOCKED,
        access=ACCESS,
        partner_links=[link for links in hook().rtes_replay_links(event=event) for link in links],
    )


@bp.get("/<slug>/fichiers/<name>")
def file(slug: str, name: str):
    """An uploaded file, after its access rule: public files for all, members-only ones after
    login (never stored by a cache); before publication, only for the event's organisers."""
    event = registry.by_slug(slug) or abort(404)
    found = replays.for_event(event) or abort(404)
    resource = found.resource(FILES.get(name, "")) if name in FILES else None
    if resource is None or not resource.stored_name:
        abort(404)
    if not found.is_published and not replays.may_preview(current_user, found):
        abort(404)
    if not replays.can_read(current_user, found, resource):
        if current_user.is_authenticated:
            abort(403)
        flash(f"{LOCKED}.", "info")
        return redirect(url_for("auth.login", next=request.path))
    members_only, kind = resource.members_only, resource.kind
    response = send_file(
        uploads.path_of(resource.stored_name),
        mimetype=resource.content_type,
        as_attachment=True,
        download_name=resource.file_name,
        conditional=True,
        etag=False,
    )
    if members_only:
        response.cache_control.private = True
        response.cache_control.no_store = True
    else:
        response.cache_control.public = True
        response.cache_control.max_age = 3600
    if request.method == "GET" and response.status_code == 200:
        replays.count(found, kind)
    return response


@bp.route("/desabonnement/<token>", methods=["GET", "POST"])
@csrf.exempt  # checked below, except for the RFC 8058 one-click POST, which the signed token authorises
def opt_out(token: str):
    """The link of the announcement e-mails: a confirmation form, then no more announcements; a
    mail client's one-click POST (``List-Unsubscribe=One-Click``, RFC 8058) needs no form."""
    email = opt_outs.email_of(token) or abort(404)
    one_click = request.method == "POST" and request.form.get("List-Unsubscribe") == "One-Click"
    if request.method == "POST" and not one_click:
        csrf.protect()
    if request.method == "POST":
        opt_outs.opt_out(email)
    if request.method == "POST" and not one_click:
        response = redirect(url_for(".opt_out", token=token), 303)
    else:
        response = make_response(
            render_template("replays/opt_out.html", email=email, done=opt_outs.opted_out(email))
        )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
