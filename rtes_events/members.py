"""Member authorities: who is a member, by the domain of a work e-mail address."""

from sqlalchemy import bindparam, or_, select

from . import clock
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


def current_year() -> int:
    return clock.local_today().year


def current_clause(year=None):
    """The SQL condition of a current membership (see ``MemberOrganisation.is_current``) in ``year``:
    this year by default, or a bound parameter in a statement built once."""
    year = current_year() if year is None else year
    return or_(MemberOrganisation.until.is_(None), MemberOrganisation.until > year)


def _member_domain(email: str) -> str | None:
    """The domain of the address, when it can be a member's (None: no domain, or a public webmail's)."""
    domain = domain_of(email)
    return None if not domain or is_public_webmail(domain) else domain


def organisation_for_email(email: str, *, current_only: bool = True) -> MemberOrganisation | None:
    """The member authority whose domain the address is on; a current member unless told otherwise."""
    domain = _member_domain(email)
    if domain is None:
        return None
    organisation = db.session.scalar(
        select(MemberOrganisation).join(MemberDomain).where(MemberDomain.domain == domain)
    )
    if organisation is None or (current_only and not organisation.is_current):
        return None
    return organisation


def current_member_id_sql():
    """The id of the current member authority on the domain bound as ``member_domain``, as a scalar
    subquery for a statement built once to read (no query of its own): ``member_params`` binds it."""
    return (
        select(MemberOrganisation.id)
        .join(MemberDomain)
        .where(MemberDomain.domain == bindparam("member_domain"), current_clause(bindparam("member_year")))
        .scalar_subquery()
    )


def member_params(email: str) -> dict | None:
    """The values ``current_member_id_sql`` reads for the address, or None when it cannot be a member's."""
    domain = _member_domain(email)
    return None if domain is None else {"member_domain": domain, "member_year": current_year()}
