"""Member authorities: the rules of a member and the import schema's ``members`` (the workspace and
the public page are tested in test_members_workspace.py and test_members_page.py)."""

import json

import pytest
from sqlalchemy import func, select

from rtes_events import memberships
from rtes_events.extensions import db
from rtes_events.importer import InvalidImport, import_data
from rtes_events.members import PUBLIC_WEBMAIL_DOMAINS, current_year, organisation_for_email
from rtes_events.models import MemberDomain, MemberOrganisation

from .conftest import TWO_CLUBS

BOTH_DATABASES = True

EXAMPLE = {
    "name": "Ville d'Exemple",
    "kind": "commune",
    "region": "IDF",
    "domains": ["ville-exemple.fr"],
    "since": 2019,
    "siren": "123456789",
    "website": "https://www.ville-exemple.fr",
}


def members_file(*members) -> dict:
    return {**TWO_CLUBS, "members": list(members)}


def member(name: str) -> MemberOrganisation | None:
    return db.session.scalar(select(MemberOrganisation).where(MemberOrganisation.name == name))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(MemberOrganisation))


# Import schema -----------------------------------------------------------------------------------


def test_import_creates_members_then_changes_nothing(app):
    report = import_data(
        members_file(EXAMPLE, {"name": "Région Nouvelle-Aquitaine", "kind": "region", "region": "NAQ"})
    )
    assert "adhérent créé : Ville d'Exemple" in report.lines()
    assert "adhérent créé : Région Nouvelle-Aquitaine" in report.lines()
    created = member("Ville d'Exemple")
    assert (created.kind, created.region_code, created.siren, created.since, created.until) == (
        "commune",
        "IDF",
        "123456789",
        2019,
        None,
    )
    assert created.domain_names == ["ville-exemple.fr"] and created.is_current
    stamp = created.updated_at
    again = import_data(
        members_file(EXAMPLE, {"name": "Région Nouvelle-Aquitaine", "kind": "region", "region": "NAQ"})
    )
    assert not [line for line in again.lines() if "adhérent" in line]
    assert count() == 2 and member("Ville d'Exemple").updated_at == stamp


def test_import_matches_by_siren_then_by_name(app):
    import_data(members_file(EXAMPLE))
    renamed = import_data(members_file({**EXAMPLE, "name": "Ville d'Exemple-sur-Seine"}))
    assert "adhérent mis à jour : Ville d'Exemple-sur-Seine (nom)" in renamed.lines()
    assert count() == 1
    by_name = import_data(
        members_file({"name": "ville d'exemple-sur-seine", "kind": "commune", "region": "IDF", "until": 2020})
    )
    assert count() == 1 and member("Ville d'Exemple-sur-Seine") is None  # the name given is stored
    ended = db.session.scalar(select(MemberOrganisation))
    assert ended.until == 2020 and not ended.is_current
    assert ended.siren == "123456789" and ended.domain_names == ["ville-exemple.fr"]  # absent keys kept
    assert any("adhérent mis à jour" in line for line in by_name.lines())


def test_import_accepts_labels_and_region_names(app):
    import_data(members_file({"name": "CA du Test", "kind": "Intercommunalité", "region": "Île-de-France"}))
    assert (member("CA du Test").kind, member("CA du Test").region_code) == ("intercommunalite", "IDF")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"kind": "ville"}, "type inconnu : 'ville'"),
        ({"region": "XYZ"}, "région inconnue : 'XYZ'"),
        ({"domains": ["gmail.com"]}, "gmail.com est une messagerie publique"),
        ({"domains": ["pas un domaine"]}, "domaine invalide"),
        ({"siren": "12345"}, "le SIREN doit compter 9 chiffres"),
        ({"since": "deux mille"}, "« since » doit être une année"),
        ({"since": 2020, "until": 2019}, "ne peut pas finir (2019) avant de commencer (2020)"),
        ({"name": ""}, "le champ « name » est obligatoire"),
        ({"website": "ftp:/nope"}, "site web invalide"),
    ],
)
def test_import_refuses_bad_members_in_french_and_writes_nothing(app, change, message):
    with pytest.raises(InvalidImport) as refused:
        import_data(
            members_file(EXAMPLE, {**EXAMPLE, "name": "Autre", "siren": None, "domains": [], **change})
        )
    assert "adhérent n° 2" in str(refused.value) and message in str(refused.value)
    assert count() == 0  # the first, valid member is rolled back with the rest


def test_a_domain_belongs_to_one_member(app):
    import_data(members_file(EXAMPLE))
    other = {
        "name": "Département Test",
        "kind": "departement",
        "region": "IDF",
        "domains": ["VILLE-exemple.fr"],
    }
    with pytest.raises(
        InvalidImport, match="le domaine ville-exemple.fr est déjà celui de « Ville d'Exemple »"
    ):
        import_data(members_file(other))
    assert count() == 1


def test_every_listed_webmail_domain_is_refused(app):
    import_data(TWO_CLUBS)
    for domain in sorted(PUBLIC_WEBMAIL_DOMAINS):
        with pytest.raises(memberships.MemberError, match="messagerie publique"):
            memberships.parse({**EXAMPLE, "domains": [domain.upper()]})


def test_organisation_for_email_follows_domains_and_membership_years(app):
    import_data(members_file(EXAMPLE))
    found = organisation_for_email("agent@Ville-Exemple.fr")
    assert found is not None and found.name == "Ville d'Exemple"
    assert organisation_for_email("someone@gmail.com") is None
    memberships.end(found, current_year())
    db.session.commit()
    assert organisation_for_email("agent@ville-exemple.fr") is None
    assert organisation_for_email("agent@ville-exemple.fr", current_only=False) is found


def test_editing_domains_keeps_the_rows_it_still_has(app):
    import_data(members_file(EXAMPLE))
    import_data(members_file({**EXAMPLE, "domains": ["ville-exemple.fr", "agglo-exemple.fr"]}))
    assert member("Ville d'Exemple").domain_names == ["agglo-exemple.fr", "ville-exemple.fr"]
    import_data(members_file({**EXAMPLE, "domains": ["agglo-exemple.fr"]}))
    assert db.session.scalars(select(MemberDomain.domain)).all() == ["agglo-exemple.fr"]


def test_the_demo_loads_the_seed_members_and_one_labelled_example_once(app):
    """The 41 member authorities the 2019 activity report names, without any e-mail domain (none
    is known), beside the example member whose domain lets anyone try member access."""
    from rtes_events.demo.loader import load_demo, seed

    first = load_demo()
    named = seed()["members"]
    members = db.session.scalars(select(MemberOrganisation)).all()
    assert len(named) == 41 and all(item.get("source") for item in named)
    [example] = [member for member in members if member.example]
    assert "démonstration" in example.name
    assert example.domain_names == ["ville-exemple.fr"] and example.region_code == "IDF"
    real = {member.name: member for member in members if not member.example}
    assert set(real) == {item["name"] for item in named}
    assert not [member for member in real.values() if member.domain_names]
    assert real["Ville de Miramas"].since == 2019 and real["Nantes Métropole"].region_code == "PDL"
    assert f"adhérent créé : {example.name}" in first.lines()
    assert not [line for line in load_demo().lines() if "adhérent" in line]


def test_import_events_prints_the_members_and_takes_a_file_of_members_alone(app, runner, tmp_path):
    import_data(TWO_CLUBS)
    path = tmp_path / "adherents.json"
    path.write_text(json.dumps({"members": [EXAMPLE]}), encoding="utf-8")
    result = runner.invoke(args=["import-events", str(path)])
    assert result.exit_code == 0, result.output
    assert "adhérent créé : Ville d'Exemple" in result.output
    path.write_text(json.dumps({"members": [{**EXAMPLE, "domains": ["gmail.com"]}]}), encoding="utf-8")
    refused = runner.invoke(args=["import-events", str(path)])
    assert refused.exit_code == 1
    assert (
        'adhérent n° 1 ("Ville d\'Exemple") : le domaine gmail.com est une messagerie publique'
        in refused.output
    )
    assert member("Ville d'Exemple").domain_names == ["ville-exemple.fr"]
