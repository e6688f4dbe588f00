"""The replay of a past session in the workspace: its resources, publication and counts.

Organisers who may edit the event attach a video, slides, a summary and captions, each on its own
page, then publish; everything goes through the ``replays`` service (rights, audit, e-mails).
"""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ... import replays, uploads
from ...extensions import db
from ...formatting import render_markdown
from ...forms.replays import CaptionsForm, SlidesForm, SummaryForm, VideoForm
from ...models.replays import ACCESS, KINDS
from ...videos import chapters_text, video_of
from . import bp, event_for, wants_preview

UPLOADS = {"manage.replay_slides", "manage.replay_captions"}
PAGES = {
    "video": ("manage/replay_video.html", "la vidéo"),
    "slides": ("manage/replay_file.html", "le diaporama"),
    "captions": ("manage/replay_file.html", "les sous-titres"),
    "summary": ("manage/replay_summary.html", "la synthèse"),
}


@bp.url_value_preprocessor
def larger_uploads(endpoint, values):
    """Upload forms may carry a file of ``RTES_UPLOAD_MAX_MB``; set before anything (the CSRF check
    included) reads the body. Every other form keeps the small default limit."""
    if endpoint in UPLOADS:
        request.max_content_length = uploads.request_limit()


@bp.get("/evenements/<int:event_id>/replay")
def replay(event_id: int):
    event = event_for(event_id, "edit")
    found = replays.for_event(event)
    return render_template(
        "manage/replay.html",
        event=event,
        replay=found,
        refusal=replays.refusal(event),
        counts=replays.counts(found) if found else {},
        kinds=KINDS,
        access=ACCESS,
        video_of=video_of,
    )


def _form_page(event, kind: str, form, status: int = 200, messages=(), preview=None):
    template, what = PAGES[kind]
    return render_template(
        template,
        event=event,
        kind=kind,
        what=what,
        form=form,
        messages=messages,
        preview=preview,
        refusal=replays.refusal(event),
        max_size=uploads.megabytes(uploads.max_bytes()),
    ), status


def _handle(event, kind: str, form, save, preview=None):
    """Show the form; on a valid POST, ``save()`` through the service, then back to the replay page."""
    if message := replays.refusal(event):
        return _form_page(event, kind, form, 409, [message])
    if not form.is_submitted():
        return _form_page(event, kind, form)
    if preview is not None and wants_preview():
        return _form_page(event, kind, form, preview=preview())
    if not form.validate():
        return _form_page(event, kind, form, 400)
    try:
        save()
    except replays.ReplayRefused as refused:
        db.session.rollback()
        return _form_page(event, kind, form, 400, [str(refused)])
    flash(f"Replay : {PAGES[kind][1]} enregistré(e).", "success")
    return redirect(url_for("manage.replay", event_id=event.id), 303)


def _current(event, kind: str):
    found = replays.for_event(event)
    return found.resource(kind) if found else None


@bp.route("/evenements/<int:event_id>/replay/video", methods=["GET", "POST"])
def replay_video(event_id: int):
    event = event_for(event_id, "edit")
    video = _current(event, "video")
    initial = (
        {
            "url": video.url,
            "access": video.access,
            "chapters": chapters_text(video.chapters),
            "transcript": video.text,
        }
        if video and request.method == "GET"
        else None
    )
    form = VideoForm(data=initial)
    return _handle(
        event,
        "video",
        form,
        lambda: replays.save_video(
            current_user,
            event,
            form.url.data,
            form.access.data,
            form.chapters.data or "",
            form.transcript.data or "",
        ),
    )


@bp.route("/evenements/<int:event_id>/replay/diaporama", methods=["GET", "POST"])
def replay_slides(event_id: int):
    event = event_for(event_id, "edit")
    slides = _current(event, "slides")
    form = SlidesForm(data={"access": slides.access} if slides and request.method == "GET" else None)
    return _handle(
        event,
        "slides",
        form,
        lambda: replays.save_file(current_user, event, "slides", form.file.data, form.access.data),
    )


@bp.route("/evenements/<int:event_id>/replay/sous-titres", methods=["GET", "POST"])
def replay_captions(event_id: int):
    event = event_for(event_id, "edit")
    form = CaptionsForm()
    return _handle(
        event, "captions", form, lambda: replays.save_file(current_user, event, "captions", form.file.data)
    )


@bp.route("/evenements/<int:event_id>/replay/synthese", methods=["GET", "POST"])
def replay_summary(event_id: int):
    event = event_for(event_id, "edit")
    summary = _current(event, "summary")
    initial = (
        {"text": summary.text, "access": summary.access} if summary and request.method == "GET" else None
    )
    form = SummaryForm(data=initial)
    return _handle(
        event,
        "summary",
        form,
        lambda: replays.save_summary(current_user, event, form.text.data, form.access.data),
        preview=lambda: render_markdown(form.text.data),
    )


@bp.post("/evenements/<int:event_id>/replay/retirer-ressource")
def replay_remove(event_id: int):
    event = event_for(event_id, "edit")
    kind = request.form.get("ressource", "")
    if kind not in KINDS:
        flash("Ressource inconnue.", "error")
    else:
        _act(event, lambda: replays.remove(current_user, event, kind), f"{KINDS[kind]} retiré(e) du replay.")
    return redirect(url_for("manage.replay", event_id=event.id), 303)


@bp.post("/evenements/<int:event_id>/replay/publier")
def replay_publish(event_id: int):
    event = event_for(event_id, "edit")

    def publish():
        told = replays.publish(current_user, event)
        return f"Replay publié ; {told} personne(s) inscrite(s) prévenue(s) par e-mail."

    _act(event, publish, None)
    return redirect(url_for("manage.replay", event_id=event.id), 303)


@bp.post("/evenements/<int:event_id>/replay/retirer")
def replay_unpublish(event_id: int):
    event = event_for(event_id, "edit")
    _act(event, lambda: replays.unpublish(current_user, event), "Replay retiré : il n'est plus en ligne.")
    return redirect(url_for("manage.replay", event_id=event.id), 303)


def _act(event, action, done: str | None) -> None:
    try:
        result = action()
    except replays.ReplayRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return
    flash(done or result, "success")
