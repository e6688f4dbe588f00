"""The base of every form: a rule's error raised while a field is validated becomes that field's error.

The services refuse bad values with ``ValueError`` subclasses carrying a French message
(``memberships.MemberError``, ``accounts.AccountError``, ``programmes.ProgrammeError``…). A field
validator, or a form's ``validate_<field>``, may call them as they are: ``Form.validate`` turns such
an error into the field's error (first letter capitalised) instead of letting it escape as a 500.
"""

import functools

from flask_wtf import FlaskForm
from wtforms.form import BaseForm
from wtforms.validators import StopValidation, ValidationError


def sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def as_field_error(validator):
    """``validator``, whose rule errors (``ValueError``) become the field's validation error."""
    if getattr(validator, "rule_errors_caught", False):
        return validator

    @functools.wraps(validator)
    def validate(form, field):
        try:
            return validator(form, field)
        except (ValidationError, StopValidation):
            raise
        except ValueError as error:
            raise ValidationError(sentence(str(error))) from None

    validate.rule_errors_caught = True
    return validate


class Form(FlaskForm):
    """A Flask-WTF form (CSRF) whose validators may raise the services' rule errors."""

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            field.validators = [as_field_error(validator) for validator in field.validators]
            if (inline := getattr(type(self), f"validate_{name}", None)) is not None:
                extra.setdefault(name, []).append(inline)
        wrapped = {name: [as_field_error(v) for v in validators] for name, validators in extra.items()}
        return BaseForm.validate(self, wrapped)  # not Form.validate: it would add the inline ones again
