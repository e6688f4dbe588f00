"""The workspace's forms of followed calendars (``/espace/sources/``) and of a relayed event's themes
and region; ``configure`` sets the choices a user may make (never trust a post)."""

import ipaddress
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from wtforms import RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..extensions import db
from ..models import MemberOrganisation, Partner, Region, Theme
from ..sources import fetching
from .base import Form
from .events import _choices, one_of
from .fields import length, required, strip

TRUST = {
    "moderer": "Les nouveaux événements attendent dans la file des propositions",
    "publier": "Les nouveaux événements sont publiés aussitôt",
}


def _themes_field() -> SelectMultipleField:
    return SelectMultipleField(
        "Thèmes",
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
        validators=[one_of("Choisissez les thèmes dans la liste.")],
    )


def _region_field(description: str) -> SelectField:
    return SelectField(
        "Région",
        description=description,
        validate_choice=False,
        validators=[one_of("Choisissez une région dans la liste.")],
    )


def _calendar_address(form, field):
    """A followable address (``fetching.calendar_url``: its ``ValueError`` is the field's error); an
    address given as a number is checked now (a name is, each time the calendar is fetched: its
    address may change)."""
    if not field.data:
        return
    parts = urlsplit(fetching.calendar_url(field.data))
    try:
        ipaddress.ip_address(parts.hostname)
    except ValueError:
        return
    try:
        fetching.public_address(
            parts.hostname, parts.port or 443, current_app.config["RTES_SOURCES_ALLOW_PRIVATE"]
        )
    except fetching.Blocked as error:
        raise ValidationError(str(error)) from None


class SourceForm(Form):
    """A calendar to follow; ``values`` gives ``sources`` what was chosen."""

    url = StringField(
        "Adresse du calendrier",
        description="L'adresse d'un flux iCalendar (.ics), commençant par https:// ou webcal://.",
        filters=[strip],
        validators=[
            required("Adresse du calendrier"),
            length("Adresse du calendrier", 500),
            _calendar_address,
        ],
    )
    name = StringField(
        "Nom",
        description="Affiché dans l'agenda : « Relayé depuis … ».",
        filters=[strip],
        validators=[required("Nom"), length("Nom", 200)],
    )
    owner = SelectField(
        "Organisateur",
        description="Le partenaire ou la collectivité adhérente dont c'est l'agenda.",
        validate_choice=False,
        validators=[required("Organisateur"), one_of("Choisissez l'organisateur dans la liste.")],
    )
    themes = _themes_field()
    region = _region_field("Donnés par défaut aux événements de ce calendrier, avec les thèmes.")
    trust = RadioField(
        "Publication",
        choices=_choices(TRUST),
        default="moderer",
        validate_choice=False,
        validators=[one_of("Choisissez comment publier les nouveaux événements.")],
    )

    def configure(self, regions: list[Region], *, admin: bool, source=None) -> "SourceForm":
        """Every partner and member authority, the ``regions`` the user may choose (and, for admins,
        none: the owner's), the trust level for admins only; a followed ``source`` keeps its address
        and owner."""
        if source is not None:
            del self.url, self.owner
        else:
            partners = db.session.scalars(select(Partner).order_by(Partner.name))
            members = db.session.scalars(select(MemberOrganisation).order_by(MemberOrganisation.name))
            self.owner.choices = _choices(
                {
                    "": "Choisissez…",
                    **{f"partenaire-{p.id}": f"Partenaire : {p.name}" for p in partners},
                    **{f"adherent-{m.id}": f"Collectivité adhérente : {m.name}" for m in members},
                }
            )
        self.themes.choices = _theme_choices()
        self.region.choices = _choices(
            {**({"": "Celle de l'organisateur"} if admin else {}), **{r.code: r.name for r in regions}}
        )
        if not admin:
            del self.trust
        return self

    def owner_values(self) -> dict:
        """``partner`` (a key) or ``member`` (a name) for ``sources.add``; once the form is valid."""
        kind, _, id = self.owner.data.partition("-")
        owner = db.session.get(Partner if kind == "partenaire" else MemberOrganisation, int(id))
        return {"partner": owner.key} if kind == "partenaire" else {"member": owner.name}

    def values(self) -> dict:
        """``name``, ``themes`` (names), ``region`` and, for admins, ``publish``: what ``sources.update``
        takes (and ``sources.add`` with the address and owner)."""
        values = {"name": self.name.data, "themes": list(self.themes.data or []), "region": self.region.data}
        if "trust" in self:
            values["publish"] = self.trust.data == "publier"
        return values

    @staticmethod
    def initial(source) -> dict:
        return {
            "name": source.name,
            "themes": [theme.name for theme in source.themes],
            "region": source.region_code or "",
            "trust": "publier" if source.publish else "moderer",
        }


def _theme_choices() -> list:
    """Themes by name, as ``sources`` takes them."""
    return _choices({t.name: t.name for t in db.session.scalars(select(Theme).order_by(Theme.name))})


class RelayForm(Form):
    """A relayed event's themes and region, chosen by the team: refreshes keep them."""

    themes = _themes_field()
    region = _region_field("La région où l'agenda le range (filtre « Région »).")

    def configure(self) -> "RelayForm":
        self.themes.choices = _theme_choices()
        regions = db.session.scalars(select(Region).order_by(Region.name))
        self.region.choices = _choices({"": "Aucune", **{r.code: r.name for r in regions}})
        return self
