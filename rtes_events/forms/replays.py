"""The replay forms of the workspace: video, slides, summary, captions."""

from urllib.parse import urlsplit

from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from ..models.replays import ACCESS
from ..videos import parse_chapters
from .base import Form
from .fields import length, required, strip

ACCESS_HINT = "« Réservé » : lisible après connexion par les collectivités adhérentes et les organisateurs."


def access_field() -> RadioField:
    return RadioField(
        "Accès",
        choices=[SelectChoice(key, label) for key, label in ACCESS.items()],
        default="public",
        description=ACCESS_HINT,
    )


class VideoForm(Form):
    url = StringField(
        "Adresse de la vidéo",
        filters=[strip],
        validators=[required("Adresse de la vidéo"), length("Adresse de la vidéo", 500)],
        description="PeerTube, Vimeo ou YouTube : lecteur intégré, chargé seulement quand on le lance. "
        "IdealCo ou autre site : un lien.",
    )
    access = access_field()
    chapters = TextAreaField(
        "Chapitres",
        validators=[length("Chapitres", 5000)],
        description="Un chapitre par ligne : le temps puis le titre, par exemple « 0:00 Introduction » "
        "ou « 1:02:30 Questions de la salle ».",
    )
    transcript = TextAreaField(
        "Transcription",
        validators=[length("Transcription", 200_000)],
        description="Texte de la vidéo, en Markdown (facultatif).",
    )

    def validate_url(self, field):
        if urlsplit(field.data or "").scheme not in ("http", "https") or not urlsplit(field.data).netloc:
            raise ValidationError("L'adresse de la vidéo doit commencer par https:// (ou http://).")

    def validate_chapters(self, field):
        parse_chapters(field.data)  # its ValueError becomes the field's error (``Form``)


class SlidesForm(Form):
    file = FileField(
        "Diaporama (PDF)",
        validators=[FileRequired("Choisissez le fichier PDF du diaporama.")],
    )
    access = access_field()


class CaptionsForm(Form):
    file = FileField(
        "Sous-titres (WebVTT)",
        validators=[FileRequired("Choisissez le fichier de sous-titres (.vtt).")],
        description="Un fichier .vtt commençant par « WEBVTT », encodé en UTF-8. Même accès que la vidéo.",
    )


class SummaryForm(Form):
    text = TextAreaField(
        "Synthèse",
        validators=[required("Synthèse"), length("Synthèse", 100_000)],
        description="En Markdown : titres (##), listes (*), liens. Le HTML est nettoyé.",
    )
    access = access_field()
