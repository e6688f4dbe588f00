"""WTForms / Flask-WTF forms with French messages, one module per area."""

from .registration import RegistrationForm, registration_form

__all__ = ["RegistrationForm", "registration_form"]
