"""Member authorities for the member access and reach tests: ``make_member(name, domains, …)``."""

import pytest

from rtes_events import clock
from rtes_events.extensions import db
from rtes_events.models import MemberDomain, MemberOrganisation

EXAMPLE_DOMAIN = "ville-exemple.fr"


@pytest.fixture
def make_member(app, clubs):
    """A current member authority (in Île-de-France, a region of the ``clubs`` fixture)."""

    def factory(name="Ville d'Exemple", domains=(EXAMPLE_DOMAIN,), kind="commune", region="IDF", **values):
        organisation = MemberOrganisation(
            name=name,
            kind=kind,
            region_code=region,
            since=2015,
            domains=[MemberDomain(domain=domain) for domain in domains],
            **values,
        )
        db.session.add(organisation)
        db.session.commit()
        return organisation

    return factory


def end_membership(organisation: MemberOrganisation) -> None:
    """The membership ends this year: from now on it gives no member access."""
    organisation.until = clock.now().year
    db.session.commit()
