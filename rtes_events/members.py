"""Member authorities: who is a member, by the domain of a work e-mail address."""

from sqlalchemy import select

from .extensions import db
from .models import MemberDomain, MemberOrganisation

# Public webmail and internet providers' domains: an address there says nothing of its owner's
# employer, so none of them can ever be a member's domain. The one list of them.
PUBLIC_WEBMAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "bbox.fr",
        "club-internet.fr",
        "free.fr",
        "gmail.com",
        "gmx.com",
        "gmx.fr",
        "googlemail.com",
        "hotmail.com",
        "hotmail.fr",
        "icloud.com",
        "laposte.net",
        "live.com",
        "live.fr",
        "mac.com",
        "me.com",
        "msn.com",
        "neuf.fr",
        "numericable.fr",
        "orange.fr",
        "outlook.com",
        "outlook.fr",
        "proton.me",
        "protonmail.com",
        "sfr.fr",
        "tutanota.com",
        "wanadoo.fr",
        "yahoo.com",
        "yahoo.fr",
        "ymail.com",
    }
)


def domain_of(email: str) -> str:
    """The lower-case domain of an e-mail address ('' when there is none)."""
    return email.rpartition("@")[2].strip().lower().rstrip(".")


def is_public_webmail(domain: str) -> bool:
    return domain.lower() in PUBLIC_WEBMAIL_DOMAINS


def organisation_for_email(email: str, *, current_only: bool = True) -> MemberOrganisation | None:
    """The member authority whose domain the address is on; a current member unless told otherwise."""
    domain = domain_of(email)
    if not domain or is_public_webmail(domain):
        return None
    organisation = db.session.scalar(
        select(MemberOrganisation).join(MemberDomain).where(MemberDomain.domain == domain)
    )
    if organisation is None or (current_only and not organisation.is_current):
        return None
    return organisation
