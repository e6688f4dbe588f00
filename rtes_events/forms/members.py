"""The admins' forms of member authorities: a member, the end of a membership, a CSV import."""

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, ValidationError

from .. import memberships
from ..models.members import KINDS
from .base import Form
from .fields import length, required, strip


def _checked(read, *args):
    """A field validator running one of the memberships readers: its ``MemberError`` becomes the
    field's error (``Form``)."""
    return lambda form, field: read(field.data, *args)


class MemberForm(Form):
    """A member authority; ``choose`` fills the regions."""

    name = StringField("Nom", filters=[strip], validators=[required("Nom"), length("Nom", 200)])
    kind = SelectField(
        "Type",
        choices=[SelectChoice(key, label) for key, label in KINDS.items()],
        validate_choice=False,
        validators=[AnyOf(list(KINDS), message="Choisissez un type dans la liste.")],
    )
    region_code = SelectField("Région", validate_choice=False)
    domains = TextAreaField(
        "Domaines des adresses e-mail",
        description="Un par ligne, par exemple ville-exemple.fr. Une messagerie publique (gmail.com, "
        "orange.fr…) ou le domaine d'un autre adhérent est refusé. Les agent·es dont l'adresse est sur "
        "ces domaines obtiennent l'accès adhérent.",
        render_kw={"rows": 3},
        validators=[length("Domaines", 2000), _checked(memberships.domains_of)],
    )
    siren = StringField(
        "SIREN",
        filters=[strip],
        description="9 chiffres, facultatif.",
        validators=[_checked(memberships.siren_of)],
    )
    website = StringField(
        "Site web", filters=[strip], validators=[length("Site web", 300), _checked(memberships.website_of)]
    )
    since = StringField(
        "Adhérent depuis (année)",
        filters=[strip],
        render_kw={"inputmode": "numeric"},
        validators=[_checked(memberships.year_of, "Adhérent depuis")],
    )
    until = StringField(
        "Adhésion terminée en (année)",
        filters=[strip],
        description="Vide tant que la collectivité est adhérente. "
        "L'accès adhérent cesse dès l'année indiquée.",
        render_kw={"inputmode": "numeric"},
        validators=[_checked(memberships.year_of, "Adhésion terminée en")],
    )

    def choose(self, regions) -> "MemberForm":
        self.region_code.choices = [SelectChoice(region.code, region.name) for region in regions]
        self.region_code.validators = [
            AnyOf([region.code for region in regions], message="Choisissez une région dans la liste.")
        ]
        return self

    def validate_until(self, field):
        if self.since.errors or field.errors:  # not years: said on each field
            return
        since = memberships.year_of(self.since.data, "Adhérent depuis")
        until = memberships.year_of(field.data, "Adhésion terminée en")
        if since and until and until < since:
            raise ValidationError(f"L'adhésion ne peut pas finir ({until}) avant de commencer ({since}).")

    def values(self) -> dict:
        """The member's values, checked by the field validators."""
        return {
            "name": self.name.data,
            "kind": self.kind.data,
            "region_code": self.region_code.data,
            "domains": memberships.domains_of(self.domains.data),
            "siren": memberships.siren_of(self.siren.data),
            "website": memberships.website_of(self.website.data),
            "since": memberships.year_of(self.since.data, ""),
            "until": memberships.year_of(self.until.data, ""),
        }

    def fill(self, member) -> "MemberForm":
        """The form showing ``member`` (on a GET)."""
        for name in ("name", "kind", "region_code", "siren", "website"):
            getattr(self, name).data = getattr(member, name) or ""
        self.domains.data = "\n".join(member.domain_names)
        self.since.data = str(member.since or "")
        self.until.data = str(member.until or "")
        return self


class EndForm(Form):
    year = StringField(
        "Année de fin de l'adhésion",
        filters=[strip],
        render_kw={"inputmode": "numeric"},
        validators=[required("Année de fin de l'adhésion"), _checked(memberships.year_of, "Année de fin")],
    )


class ImportForm(Form):
    """A spreadsheet's CSV export; ``content`` carries the checked file to the confirmation step."""

    file = FileField(
        "Fichier CSV",
        description="Première ligne : nom ; type ; région ; domaines ; depuis ; fin ; siren ; site web "
        "(les trois premières colonnes sont obligatoires). Séparateur « ; » ou « , », encodage UTF-8 "
        "ou Windows-1252, tel que l'enregistrent les tableurs.",
        validators=[FileRequired("Choisissez le fichier CSV à importer.")],
    )


class ConfirmImportForm(Form):
    content = HiddenField(validators=[required("Fichier")])
    filename = HiddenField()
