"""The admins' form of an information page (``rtes_events.site_pages``)."""

from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, ValidationError

from .. import clock
from ..site_pages import STATUSES
from .base import Form
from .events import FrenchDateField
from .fields import length, strip

MAX_TEXT = 20_000
TEXT_LABELS = {
    "donnees-personnelles": "Responsable du traitement et bases légales",
    "accessibilite": "Contenus non accessibles (exceptions connues)",
}


class SitePageForm(Form):
    """The page's text and contact; ``status`` and ``declared_on`` for the accessibility statement only."""

    text = TextAreaField(
        "Texte de la page",
        description="En Markdown (## Titre, **gras**, [lien](https://…), listes « - »). "
        "Vide : le texte par défaut revient.",
        render_kw={"rows": 14},
        validators=[length("Texte de la page", MAX_TEXT)],
    )
    contact = StringField(
        "Contact",
        filters=[strip],
        description="Adresse e-mail, lien d'un formulaire ou adresse postale (Markdown accepté). "
        "Vide : l'équipe du RTES, depuis www.rtes.fr.",
        validators=[length("Contact", 300)],
    )
    status = SelectField(
        "État de conformité au RGAA 4.1",
        choices=[SelectChoice(key, label.capitalize()) for key, label in STATUSES.items()],
        validate_choice=False,
        validators=[AnyOf(list(STATUSES), message="Choisissez un état dans la liste.")],
    )
    declared_on = FrenchDateField("Date de la déclaration", description="Par exemple 04/09/2025.")

    def __init__(self, key: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.text.label.text = TEXT_LABELS.get(key, self.text.label.text)
        if key != "accessibilite":
            del self.status
            del self.declared_on

    def validate_text(self, field):
        if "\x00" in (field.data or ""):
            raise ValidationError("Le texte contient un caractère invalide (NUL).")

    def validate_declared_on(self, field):
        if field.data and field.data > clock.local_today():
            raise ValidationError("La date de la déclaration ne peut pas être dans le futur.")
