"""Random and hostile input to every form and query string of the public site: never a 5xx.

Hypothesis generates the input; the site holds the demo data, an open event with one place and a
waiting list, and a registration whose management page and actions are attacked too.
"""

from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from rtes_events import questions, registrations, registry
from rtes_events.demo.loader import load_demo
from rtes_events.extensions import db

from .conftest import PERSON, csrf_token, login, new_relayed

HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "NaN",
    "99999999999999999999999",
    "-99999999999999999999999",
    "' OR 1=1 --",
    "'; DROP TABLE events; --",
    '"><script>alert(1)</script>',
    "{{7*7}}",
    "${7*7}",
    "%",
    "%00",
    "\x00",
    "\r\nSet-Cookie: x=y",
    "../../../../etc/passwd",
    "\u202e\ufeff\u200b",
    "é" * 300,
    "𝕏" * 100,
    "a" * 5000,
    "a@b",
    "@example.org",
    "x@" + "a" * 300 + ".org",
    "camille+tag@EXAMPLE.org",
    "webinaire",
    "club",
    "passes",
    "a-venir",
    "IDF",
]
QUERY_KEYS = ["type", "region", "theme", "partenaire", "club", "periode", "q", "page", "annee", "du", "au"]
# The demo rencontre's questions are 1 to 5 (another event's, for the open one), the open one's 6 and 7.
FORM_KEYS = ["email", "first_name", "last_name", "organisation", "function", "consent", "category"] + [
    f"question-{n}" for n in (1, 6, 7)
]

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=200)
value = st.one_of(st.sampled_from(HOSTILE), text, st.integers().map(str))
query = st.dictionaries(st.one_of(st.sampled_from(QUERY_KEYS), text), st.lists(value, max_size=3), max_size=6)
segment = value.filter(bool).map(lambda s: quote(s, safe=""))

FAST = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def site(app, make_event):
    """The demo data, an open event with one place and a waiting list, and one registration on it."""
    load_demo()
    event = make_event(slug="ouvert", capacity=1, waitlist=True)
    questions.add(event, {"label": "Nombre", "type": "nombre", "required": True})
    questions.add(event, {"label": "Choix", "type": "choix-multiples", "choices": ["A", "B"]})
    db.session.commit()
    registration = registrations.register(event, PERSON).registration
    return {"event": "ouvert", "token": registration.token, "club": "club-ess-ile-de-france"}


def assert_no_server_error(response, what: str) -> None:
    assert response.status_code < 500, f"{what} → {response.status_code}"


@pytest.fixture
def pages(site):
    slug, club, token = site["event"], site["club"], site["token"]
    return [
        "/",
        "/evenements/",
        f"/evenements/{slug}/",
        f"/evenements/{slug}.ics",
        f"/evenements/{slug}/inscription",
        f"/inscription/{token}/",
        "/agenda.ics",
        "/clubs/",
        f"/clubs/{club}/",
        f"/clubs/{club}.ics",
        "/healthz",
    ]


@FAST
@given(data=st.data())
def test_query_strings_never_cause_a_server_error(client, pages, data):
    path = data.draw(st.sampled_from(pages))
    args = data.draw(query)
    response = client.get(path, query_string=[(k, v) for k, values in args.items() for v in values])
    assert_no_server_error(response, f"GET {path} {args!r}")


@FAST
@given(
    name=segment,
    template=st.sampled_from(
        [
            "/evenements/{}/",
            "/evenements/{}.ics",
            "/evenements/{}/inscription",
            "/inscription/{}/",
            "/clubs/{}/",
            "/clubs/{}.ics",
            "/mon-agenda/{}.ics",
        ]
    ),
)
def test_unknown_slugs_and_tokens_never_cause_a_server_error(client, site, name, template):
    path = template.format(name)
    assert_no_server_error(client.get(path), f"GET {path}")


@FAST
@given(
    fields=st.dictionaries(st.one_of(st.sampled_from(FORM_KEYS), text), value, max_size=9),
    with_token=st.booleans(),
    slug=st.sampled_from(["ouvert", "exemple-club-ile-de-france-tiers-lieux", "inconnu"]),
)
def test_the_registration_form_never_causes_a_server_error(client, site, fields, with_token, slug):
    url = f"/evenements/{slug}/inscription"
    if with_token and slug != "inconnu":
        fields = {**fields, "csrf_token": csrf_token(client, url)}
    response = client.post(url, data=fields)
    assert_no_server_error(response, f"POST {url} {fields!r}")
    db.session.rollback()


@FAST
@given(
    action=st.sampled_from(["annuler", "effacer", "agenda/renouveler", "reponses"]),
    token=st.one_of(st.none(), segment),
    with_csrf=st.booleans(),
    extra=st.dictionaries(st.one_of(st.sampled_from(FORM_KEYS), text), value, max_size=3),
)
def test_registrant_actions_never_cause_a_server_error(client, site, action, token, with_csrf, extra):
    if token is None:  # a real registrant's link, fresh each time (erasure makes the previous one a 404)
        site["count"] = site.get("count", 0) + 1
        event = registry.by_slug(site["event"])
        email = f"hypothese-{site['count']}@example.org"
        token = registrations.register(event, {**PERSON, "email": email}).registration.token
    url = f"/inscription/{token}/{action}"
    data = dict(extra)
    if with_csrf:
        data["csrf_token"] = csrf_token(client, f"/evenements/{site['event']}/inscription")
    response = client.post(url, data=data)
    assert_no_server_error(response, f"POST {url} {data!r}")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_nul_characters_are_refused_before_reaching_the_database(client, site):
    """PostgreSQL refuses NUL in any string: a path holding one is not found, a form holding one
    answers 400, a query value holding one is dropped."""
    slug, token = site["event"], site["token"]
    for path in (
        "/evenements/%00/",
        "/evenements/%00.ics",
        "/clubs/%00/",
        "/replays/%00/",
        f"/inscription/{token}%00/",
    ):
        assert client.get(path).status_code == 404, path
    for path in ("/evenements/?q=%00", "/agenda.ics?region=%00&type=webinaire", "/replays/?annee=%00"):
        assert client.get(path).status_code == 200, path  # dropped, as an unknown filter is
    form = f"/evenements/{slug}/inscription"
    data = {**PERSON, "consent": "y", "last_name": "Mar\x00tin", "csrf_token": csrf_token(client, form)}
    assert client.post(form, data=data).status_code == 400
    assert client.get(f"/evenements/{slug}/").status_code == 200


# --- The workspace's forms ----------------------------------------------------------------------

# Each workspace form field receives each of these, the other fields keeping what the page shows.
FIELD_HOSTILE = ["2026-02-30", "9" * 23, "<script>alert(1)</script><b>gras</b>", "a\x00b", "x" * 10_000]


class Forms(HTMLParser):
    """The forms of a page: method, action and fields (name → the value the page shows)."""

    def __init__(self):
        super().__init__()
        self.forms, self.textarea, self.select = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"method": attrs.get("method", "get").lower(), "action": attrs.get("action"), "fields": {}}
            )
            return
        fields = self.forms[-1]["fields"] if self.forms else None
        name = attrs.get("name")
        if fields is None or (not name and tag != "option"):
            return
        if tag == "input" and attrs.get("type") not in ("submit", "file", "button"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs or name not in fields:
                fields[name] = attrs.get("value", "")
        elif tag == "textarea":
            self.textarea, fields[name] = name, ""
        elif tag == "select":
            self.select = name
            fields.setdefault(name, "")
        elif tag == "option" and self.select and ("selected" in attrs or not fields[self.select]):
            fields[self.select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag in ("textarea", "select"):
            self.textarea = self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.forms[-1]["fields"][self.textarea] += data


def forms_of(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return [form for form in parser.forms if set(form["fields"]) - {"csrf_token"}]


@pytest.fixture
def workspace(client, site, make_user, make_event):
    """The workspace pages holding forms, an admin signed in, every object they need."""
    from datetime import timedelta

    from rtes_events import clock, proposals
    from rtes_events.models import MemberOrganisation, Programme, Slot, User

    admin = make_user("admin")
    member = make_user("member")
    past = make_event(
        slug="passe",
        starts_at=clock.now() - timedelta(days=9),
        ends_at=clock.now() - timedelta(days=9, hours=-2),
    )
    event = registry.by_slug(site["event"])
    proposal = proposals.submit(
        member,
        {
            "organisation": "Ville d'Essai",
            "title": "Rencontre proposée",
            "kind": "rencontre",
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "mode": "online",
        },
    )
    relayed = new_relayed()
    db.session.add(relayed)
    db.session.commit()
    ids = {
        "event": event.id,
        "source": relayed.calendar_source_id,
        "relayed": relayed.id,
        "past": past.id,
        "member": db.session.scalar(select(MemberOrganisation.id).limit(1)),
        "programme": db.session.scalar(select(Programme.id).limit(1)),
        "user": db.session.scalar(select(User.id).where(User.role == "member")),
        "proposal": proposal.id,
        "rencontre": registry.by_slug("exemple-rencontre-nationale-alimentation").id,
        "question": event.questions[0].id,
    }
    ids["slot"] = db.session.scalar(select(Slot.id).where(Slot.event_id == ids["rencontre"]).limit(1))
    login(client, admin)
    return [
        page.format(**ids)
        for page in (
            "/espace/evenements/nouveau",
            "/espace/evenements/{event}/",
            "/espace/evenements/{event}/modifier",
            "/espace/evenements/{event}/reporter",
            "/espace/evenements/{event}/annuler",
            "/espace/evenements/{event}/inscrits",
            "/espace/evenements/{event}/inscrits/ajouter",
            "/espace/evenements/{event}/message",
            "/espace/evenements/{event}/programme",
            "/espace/evenements/{rencontre}/programme",
            "/espace/evenements/{rencontre}/programme/ajouter",
            "/espace/evenements/{rencontre}/programme/{slot}/modifier",
            "/espace/evenements/{event}/questions",
            "/espace/evenements/{event}/questions/nouvelle",
            "/espace/evenements/{event}/questions/{question}/modifier",
            "/espace/evenements/{past}/presences",
            "/espace/evenements/{event}/accueil",
            "/espace/evenements/{past}/replay",
            "/espace/evenements/{past}/replay/video",
            "/espace/evenements/{past}/replay/synthese",
            "/espace/comptes/",
            "/espace/comptes/inviter",
            "/espace/comptes/{user}/",
            "/espace/programmes/nouveau",
            "/espace/programmes/{programme}/",
            "/espace/adherents/",
            "/espace/adherents/nouveau",
            "/espace/adherents/{member}/modifier",
            "/espace/propositions/{proposal}/",
            "/espace/sources/nouvelle",
            "/espace/sources/{source}/",
            "/espace/evenements/{relayed}/relais",
            "/espace/indicateurs",
            "/espace/lettre",
            "/espace/pages/mentions-legales",
            "/espace/pages/donnees-personnelles",
            "/espace/pages/accessibilite",
            "/espace/mot-de-passe",
            "/espace/compte",
        )
    ]


def test_every_workspace_form_field_refuses_hostile_values_without_a_server_error(client, workspace):
    """Table-driven: each field of each form of each workspace page, each hostile value; the page
    and the data stay (the admin still signed in, the member authorities all there)."""
    from rtes_events.models import MemberOrganisation

    members = db.session.scalar(select(func.count(MemberOrganisation.id)))
    posted = 0
    for path in workspace:
        page = client.get(path)
        assert page.status_code == 200, path
        for form in forms_of(page.get_data(as_text=True)):
            target = form["action"] or path
            for name in set(form["fields"]) - {"csrf_token"}:
                for value in FIELD_HOSTILE:
                    data = {**form["fields"], name: value}
                    if form["method"] == "post":
                        response = client.post(target, data=data)
                    else:
                        response = client.get(target, query_string=data)
                    assert_no_server_error(response, f"{form['method']} {target} {name}={value[:30]!r}")
                    db.session.rollback()
                    posted += 1
    assert posted > 500, posted
    assert client.get("/espace/").status_code == 200
    assert db.session.scalar(select(func.count(MemberOrganisation.id))) >= members  # markup is text


def test_a_year_field_refuses_what_is_not_a_year_with_a_french_message(client, site, make_user):
    """The member form's « depuis » and « jusqu'à » answered 500 to a non-year (a rule's error
    escaping the form), its message naming an empty field."""
    from rtes_events.models import MemberOrganisation

    login(client, make_user("admin"))
    member = db.session.scalar(select(MemberOrganisation).order_by(MemberOrganisation.id).limit(1))
    url = f"/espace/adherents/{member.id}/modifier"
    fields = forms_of(client.get(url).get_data(as_text=True))[0]["fields"]
    for name, label in (("since", "Adhérent depuis"), ("until", "Adhésion terminée en")):
        for value in ("2026-02-30", "1" * 23):
            response = client.post(url, data={**fields, name: value})
            assert response.status_code == 400
            page = response.get_data(as_text=True)
            assert f"« {label} » doit être une année (par exemple 2019)" in page
            assert "«  »" not in page
    db.session.expire_all()
    assert db.session.get(MemberOrganisation, member.id).name == member.name
