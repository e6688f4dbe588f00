"""Forms of the accounts: signing in, passwords, and the admins' management of accounts."""

from wtforms import PasswordField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..accounts import MIN_PASSWORD
from ..models.accounts import NOTIFICATIONS, ROLES
from .base import Form
from .events import one_of
from .fields import email_field, length, strip


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(
            "Nouveau mot de passe",
            description=f"Au moins {MIN_PASSWORD} caractères ; une phrase de passe est idéale.",
            validators=[
                InputRequired(message="Choisissez un mot de passe."),
                Length(
                    min=MIN_PASSWORD,
                    max=200,
                    message=f"Le mot de passe doit compter entre {MIN_PASSWORD} et 200 caractères.",
                ),
            ],
        ),
        PasswordField(
            "Confirmation du mot de passe",
            validators=[EqualTo("password", message="Les deux mots de passe ne sont pas identiques.")],
        ),
    )


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        "Mot de passe", validators=[InputRequired(message="Saisissez votre mot de passe.")]
    )


class ForgotPasswordForm(Form):
    email = email_field()


class MemberAccessForm(Form):
    email = email_field("Adresse e-mail professionnelle")


class SetPasswordForm(Form):
    password, confirm = _new_password_fields()


class ChangePasswordForm(Form):
    current = PasswordField(
        "Mot de passe actuel", validators=[InputRequired(message="Saisissez votre mot de passe actuel.")]
    )
    password, confirm = _new_password_fields()


class NotificationsForm(Form):
    """How one is told of the registrations to one's events (``notices``)."""

    notifications = RadioField(
        "Être informé·e des inscriptions, annulations et places libérées de mes événements",
        choices=[SelectChoice(key, label) for key, label in NOTIFICATIONS.items()],
        validate_choice=False,
        validators=[one_of("Choisissez quand être informé·e.")],
    )


class AccountForm(Form):
    """An account's role and scope; ``choose`` fills the club and partner lists."""

    name = StringField("Nom", filters=[strip], validators=[length("Nom", 200)])
    role = SelectField("Rôle", choices=[SelectChoice(key, label) for key, label in ROLES.items()])
    clubs = SelectMultipleField(
        "Clubs (co-organisateur·rice)",
        coerce=str,
        description="Ignorés pour les autres rôles.",
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    partner = SelectField(
        "Partenaire (co-organisateur·rice)", coerce=str, description="Ignoré pour les autres rôles."
    )
    member = SelectField(
        "Collectivité adhérente (membre)",
        coerce=str,
        default="",
        description="Son accès adhérent cesse quand son adhésion prend fin. Ignorée pour les autres rôles.",
    )

    def choose(self, clubs, partners, members=()) -> "AccountForm":
        self.clubs.choices = [SelectChoice(club.slug, club.name) for club in clubs]
        self.partner.choices = [SelectChoice("", "Aucun"), *(SelectChoice(p.key, p.name) for p in partners)]
        self.member.choices = [
            SelectChoice("", "Aucune"),
            *(
                SelectChoice(m.name, m.name if m.is_current else f"{m.name} (adhésion terminée)")
                for m in members
            ),
        ]
        return self

    def validate_clubs(self, field):
        if self.role.data == "coorganiser" and not field.data and not self.partner.data:
            raise ValidationError("Un·e co-organisateur·rice doit avoir au moins un club ou un partenaire.")


class InviteForm(AccountForm):
    email = email_field()
