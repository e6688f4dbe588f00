"""The admins' member pages: add, edit, end a membership, and the CSV import with its preview."""

import html
import io
import re

import pytest
from sqlalchemy import func, select

from rtes_events.extensions import db
from rtes_events.importer import import_data
from rtes_events.members import current_year, organisation_for_email
from rtes_events.models import AuditEntry, MemberOrganisation

from .conftest import TWO_CLUBS, csrf_token, login


@pytest.fixture
def admin(app, clubs, make_user, client):
    user = make_user("admin")
    login(client, user)
    return user


def members() -> list[MemberOrganisation]:
    db.session.expire_all()
    return db.session.scalars(select(MemberOrganisation).order_by(MemberOrganisation.name)).all()


def entries(action: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def text(response) -> str:
    """The page as read, entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def post_form(client, url: str, **fields):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **fields})


FORM = {
    "name": "Ville d'Exemple",
    "kind": "commune",
    "region_code": "IDF",
    "domains": "ville-exemple.fr\nmairie-exemple.fr",
    "siren": "123 456 789",
    "website": "www.ville-exemple.fr",
    "since": "2019",
    "until": "",
}


def test_an_admin_adds_a_member_and_it_is_logged(client, admin):
    response = post_form(client, "/espace/adherents/nouveau", **FORM)
    assert response.status_code == 303 and response.headers["Location"] == "/espace/adherents/"
    page = text(client.get("/espace/adherents/"))
    assert "Adhérent « Ville d'Exemple » ajouté." in page
    [member] = members()
    assert f'<a href="/espace/adherents/{member.id}">Ville d\'Exemple</a>' in page  # its year of events
    assert f'href="/espace/adherents/{member.id}/modifier"' in page
    assert (member.siren, member.website, member.since) == ("123456789", "https://www.ville-exemple.fr", 2019)
    assert member.domain_names == ["mairie-exemple.fr", "ville-exemple.fr"]
    [entry] = entries("member.created")
    assert entry.actor == admin.email and entry.details["member_id"] == member.id
    assert entry.details["domains"] == ["mairie-exemple.fr", "ville-exemple.fr"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"domains": "ville-exemple.fr\nwanadoo.fr"}, "wanadoo.fr est une messagerie publique"),
        ({"siren": "12345678"}, "Le SIREN doit compter 9 chiffres"),
        ({"since": "2020", "until": "2019"}, "ne peut pas finir (2019) avant de commencer (2020)"),
        ({"name": ""}, "Le champ « Nom » est obligatoire"),
        ({"kind": "ville"}, "Choisissez un type dans la liste."),
        ({"region_code": "XX"}, "Choisissez une région dans la liste."),
    ],
)
def test_bad_members_are_refused_in_french(client, admin, change, message):
    response = post_form(client, "/espace/adherents/nouveau", **{**FORM, **change})
    assert response.status_code == 400
    page = text(response)
    assert "L'adhérent n'a pas pu être enregistré" in page
    assert message in page
    assert members() == [] and entries("member.created") == []


def test_a_domain_of_another_member_or_a_known_member_is_refused(client, admin):
    import_data(
        {
            **TWO_CLUBS,
            "members": [
                {
                    "name": "Département Test",
                    "kind": "departement",
                    "region": "IDF",
                    "domains": ["ville-exemple.fr"],
                    "siren": "123456789",
                }
            ],
        }
    )
    response = post_form(client, "/espace/adherents/nouveau", **{**FORM, "siren": ""})
    assert response.status_code == 400
    assert "Le domaine ville-exemple.fr est déjà celui de « Département Test »" in response.get_data(
        as_text=True
    )
    response = post_form(client, "/espace/adherents/nouveau", **{**FORM, "domains": "autre.fr"})
    assert response.status_code == 400
    assert "« Département Test » a déjà ce SIREN : modifiez cet adhérent plutôt." in response.get_data(
        as_text=True
    )
    assert [m.name for m in members()] == ["Département Test"]


def test_an_admin_edits_then_ends_a_membership(client, admin):
    post_form(client, "/espace/adherents/nouveau", **FORM)
    [member] = members()
    url = f"/espace/adherents/{member.id}/modifier"
    assert "ville-exemple.fr" in text(client.get(url))
    response = post_form(client, url, **{**FORM, "kind": "intercommunalite", "domains": "ville-exemple.fr"})
    assert response.status_code == 303 and response.headers["Location"] == url
    assert "modifié : type, domaines" in text(client.get(url))
    [entry] = entries("member.updated")
    assert entry.details["kind"] == ["commune", "intercommunalite"]
    assert entry.details["domains"] == [["mairie-exemple.fr", "ville-exemple.fr"], ["ville-exemple.fr"]]
    response = post_form(client, url, **{**FORM, "kind": "intercommunalite", "domains": "ville-exemple.fr"})
    assert "Aucune modification." in text(client.get(url))
    assert len(entries("member.updated")) == 1

    assert organisation_for_email("agent@ville-exemple.fr") is not None
    year = current_year()
    response = client.post(
        f"/espace/adherents/{member.id}/fin", data={"csrf_token": csrf_token(client, url), "year": str(year)}
    )
    assert response.status_code == 303
    page = text(client.get(url))
    assert f"terminée en {year} : ses agent·es perdent l'accès adhérent" in page
    assert "Adhésion terminée" in page  # the history
    assert organisation_for_email("agent@ville-exemple.fr") is None
    [ended] = entries("member.ended")
    assert ended.details == {"member_id": member.id, "member": member.name, "until": year}
    listed = text(client.get("/espace/adherents/"))
    assert "Ville d'Exemple" not in listed
    assert "Ville d'Exemple" in text(client.get("/espace/adherents/?etat=anciens"))


def test_the_list_filters_by_kind_region_and_name(client, admin):
    import_data(
        {
            **TWO_CLUBS,
            "members": [
                {"name": "Ville de Test", "kind": "commune", "region": "IDF"},
                {"name": "Région Test", "kind": "region", "region": "NAQ"},
            ],
        }
    )
    both = text(client.get("/espace/adherents/"))
    assert "2 adhérents" in both
    by_kind = text(client.get("/espace/adherents/?type=region"))
    assert "Région Test" in by_kind and "Ville de Test" not in by_kind
    by_region = text(client.get("/espace/adherents/?region=IDF"))
    assert "Ville de Test" in by_region and "Région Test" not in by_region
    assert "1 adhérent<" in text(client.get("/espace/adherents/?q=ville"))
    assert "Aucun adhérent ne correspond" in text(client.get("/espace/adherents/?q=%25"))


# CSV ---------------------------------------------------------------------------------------------

CSV_ROWS = [
    ["Nom", "Type", "Région", "Domaines", "Depuis", "Fin", "SIREN", "Site web"],
    ["Ville de Montreuil", "Commune", "IDF", "montreuil.fr", "2019", "", "219300480", ""],
    ["Région Nouvelle-Aquitaine", "Région", "Nouvelle-Aquitaine", "", "2016", "", "", ""],
    [
        "Communauté d'agglomération Test",
        "Intercommunalité",
        "NAQ",
        "agglo-test.fr ca-test.fr",
        "",
        "",
        "",
        "",
    ],
]


def csv_bytes(rows, separator: str, encoding: str) -> bytes:
    lines = []
    for row in rows:
        cells = [f'"{cell}"' if separator in cell or " " in cell else cell for cell in row]
        lines.append(separator.join(cells))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(client, data: bytes, name: str = "adherents.csv"):
    url = "/espace/adherents/importer"
    return client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def confirm(client, preview_page: str):
    fields = dict(re.findall(r'<input name="(content|filename)" type="hidden" value="([^"]*)"', preview_page))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', preview_page)[1]
    return client.post(
        "/espace/adherents/importer", data={"csrf_token": token, "step": "confirmer", **fields}
    )


@pytest.mark.parametrize("separator", [";", ","])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_a_csv_is_previewed_then_imported(client, admin, separator, encoding):
    response = upload(client, csv_bytes(CSV_ROWS, separator, encoding))
    page = text(response)
    assert response.status_code == 200, page
    assert "Aperçu de « adherents.csv » : 3 lignes" in page
    assert "Communauté d'agglomération Test" in page and "Région Nouvelle-Aquitaine" in page
    assert page.count("Création") == 3 and "Confirmer l'import" in page
    assert members() == [] and entries("members.imported") == []  # nothing written before confirming

    response = confirm(client, page)
    assert response.status_code == 303 and response.headers["Location"] == "/espace/adherents/"
    assert "Import terminé : 3 adhérent(s) ajouté(s), 0 modifié(s), 0 inchangé(s)." in text(
        client.get("/espace/adherents/")
    )
    found = {m.name: m for m in members()}
    assert found["Communauté d'agglomération Test"].kind == "intercommunalite"
    assert found["Communauté d'agglomération Test"].domain_names == ["agglo-test.fr", "ca-test.fr"]
    assert found["Région Nouvelle-Aquitaine"].region_code == "NAQ"
    assert found["Ville de Montreuil"].siren == "219300480"
    assert len(entries("member.created")) == 3
    assert {e.details["source"] for e in entries("member.created")} == {"csv"}
    [summary] = entries("members.imported")
    assert summary.details == {"filename": "adherents.csv", "lines": 3, "created": 3, "updated": 0}

    again = text(upload(client, csv_bytes(CSV_ROWS, separator, encoding)))
    assert again.count("Inchangé") == 3


def test_a_csv_with_faulty_lines_shows_each_error_and_writes_nothing(client, admin):
    import_data(
        {
            **TWO_CLUBS,
            "members": [
                {"name": "Ville de Bordeaux", "kind": "commune", "region": "NAQ", "domains": ["bordeaux.fr"]}
            ],
        }
    )
    rows = [
        CSV_ROWS[0],
        ["Ville de Montreuil", "Commune", "IDF", "montreuil.fr", "2019", "", "219300480", ""],
        ["Ville de Gmail", "Commune", "IDF", "gmail.com", "", "", "", ""],
        ["Ville de Nulle Part", "Ville", "IDF", "", "", "", "", ""],
        ["Métropole Test", "Intercommunalité", "XX", "", "", "", "", ""],
        ["Mérignac", "Commune", "NAQ", "bordeaux.fr", "", "", "", ""],
        ["Ville de Pessac", "Commune", "NAQ", "", "", "", "1234", ""],
        ["Ville de Montreuil", "Commune", "IDF", "", "", "", "", ""],
    ]
    response = upload(client, csv_bytes(rows, ";", "cp1252"))
    assert response.status_code == 422
    page = text(response)
    assert "6 lignes en erreur : rien n'a été enregistré" in page
    for expected in (
        "Ligne 3 (« Ville de Gmail ») : Le domaine gmail.com est une messagerie publique",
        "Ligne 4 (« Ville de Nulle Part ») : Type inconnu : 'Ville'",
        "Ligne 5 (« Métropole Test ») : Région inconnue : 'XX'",
        "Ligne 6 (« Mérignac ») : Le domaine bordeaux.fr est déjà celui de « Ville de Bordeaux »",
        "Ligne 7 (« Ville de Pessac ») : Le SIREN doit compter 9 chiffres",
        "Ligne 8 (« Ville de Montreuil ») : Nom ville de montreuil déjà présent à la ligne 2",
    ):
        assert expected in page, expected
    assert "Confirmer l'import" not in page
    assert [m.name for m in members()] == ["Ville de Bordeaux"]


def test_a_confirmation_is_checked_again_against_the_database(client, admin):
    page = text(upload(client, csv_bytes(CSV_ROWS, ";", "utf-8")))
    import_data(
        {
            **TWO_CLUBS,
            "members": [
                {"name": "Montreuil bis", "kind": "commune", "region": "IDF", "domains": ["montreuil.fr"]}
            ],
        }
    )
    response = confirm(client, page)
    assert response.status_code == 409
    assert "le domaine montreuil.fr est déjà celui de « Montreuil bis »".capitalize()[:10] in text(response)
    assert [m.name for m in members()] == ["Montreuil bis"]
    assert entries("members.imported") == []


@pytest.mark.parametrize(
    "data, message",
    [
        (b"nom;region\nVille;IDF\n", "Colonnes manquantes dans la première ligne : type"),
        (b"", "Choisissez le fichier CSV"),
        (b"\n\n", "Le fichier est vide."),
        (b'nom;type;region\n"' + b"x" * 200_000 + b'";commune;IDF\n', "Le fichier n'est pas un CSV lisible"),
        (b"\x00\xff\xfe;;\n\x89PNG", "Colonnes manquantes"),
    ],
)
def test_unreadable_files_are_refused(client, admin, data, message):
    response = upload(client, data) if data else post_form(client, "/espace/adherents/importer")
    assert response.status_code == 400
    assert message in text(response)


def test_the_workspace_menu_shows_members_to_admins_only(client, admin, make_user):
    assert "/espace/adherents/" in text(client.get("/espace/"))
    coorganiser = make_user("coorganiser", clubs=["club-ess-ile-de-france"])
    other = client.application.test_client()
    login(other, coorganiser)
    assert "/espace/adherents/" not in text(other.get("/espace/"))
    assert other.get("/espace/adherents/").status_code == 403
    assert other.get("/espace/adherents/importer").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(MemberOrganisation)) == 0
