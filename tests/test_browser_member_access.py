"""Member access pages in Chromium: the request form and its refusals, the e-mailed link, the member's
page and its password form, an expired link, a members-only event's refusal and a member's year in
the workspace — every one passes axe-core's WCAG 2.1 AA rules and the Nu Html Checker."""

import re

from sqlalchemy import select

from rtes_events import accounts
from rtes_events.extensions import db
from rtes_events.models import MemberDomain

from .conftest import PASSWORD, new_event
from .test_browser import audited_page, chromium, fill_registration, live, nu, sign_in, violations  # noqa: F401
from .test_browser_members import AGENT, mails_to

NEW_PASSWORD = "une phrase de passe d'adhérent"


def test_member_access_pages_pass_the_accessibility_rules(live, audited_page, nu, outbox_messages):  # noqa: F811
    page = audited_page
    with live.app_context():
        accounts.create_user("equipe@example.org", accounts.Scope("admin"), PASSWORD)
        member_id = db.session.scalar(
            select(MemberDomain.organisation_id).where(MemberDomain.domain == "ville-exemple.fr")
        )
        db.session.add(
            new_event(slug="reserve-adherents", title="Webinaire réservé aux adhérents", audience="members")
        )
        db.session.commit()
    found = {}

    def check(name: str) -> None:
        nu.add(name, page.content())  # before axe-core is injected
        found[name] = violations(page)

    page.goto(live.url + "/adherents/acces")
    check("form")
    page.evaluate("document.querySelector('main form').noValidate = true")  # let the server judge
    page.get_by_role("textbox", name="Adresse e-mail professionnelle").fill("pas-une-adresse")
    page.get_by_role("button", name="Recevoir mon lien d'accès").click()
    assert "n'est pas valide" in page.get_by_role("alert").inner_text()
    check("form with errors")
    page.get_by_role("textbox", name="Adresse e-mail professionnelle").fill("camille@gmail.com")
    page.get_by_role("button", name="Recevoir mon lien d'accès").click()
    assert "messagerie personnelle" in page.get_by_role("alert").inner_text()
    check("webmail refusal")
    page.get_by_role("textbox", name="Adresse e-mail professionnelle").fill(AGENT)
    page.get_by_role("button", name="Recevoir mon lien d'accès").click()
    assert "Un lien d'accès vient d'être envoyé" in page.get_by_role("status").inner_text()
    check("link sent")

    [message] = mails_to(outbox_messages, AGENT, 1)
    link = re.search(r"http://\S+/adherents/acces/lien/\S+", message.get_body(("plain",)).get_content())[0]
    page.goto(link)
    check("link page")
    page.get_by_role("button", name="Ouvrir mon accès").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Mon accès adhérent"
    check("member page")
    page.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill("autre chose encore")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    assert "ne sont pas identiques" in page.get_by_role("alert").inner_text()
    check("member page with errors")
    page.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    assert "Votre mot de passe est enregistré" in page.get_by_role("status").inner_text()
    check("member page with a password")
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Ce lien n'est plus valable"
    check("expired link")

    page.context.clear_cookies()  # anonymous again
    page.goto(live.url + "/evenements/reserve-adherents/inscription")
    fill_registration(page, "camille@gmail.com", "Camille", "Martin", "Ville voisine", "Agent·e")
    alert = page.get_by_role("alert")
    assert "réservé aux collectivités adhérentes" in alert.inner_text()
    assert alert.get_by_role("link", name="Ouvrir mon accès adhérent").count() == 1
    check("members-only refusal")

    sign_in(page, live.url, "equipe@example.org")
    page.goto(live.url + f"/espace/adherents/{member_id}")
    assert "son année" in page.get_by_role("heading", level=1).inner_text()
    check("member's year")
    assert {name: rules for name, rules in found.items() if rules} == {}
    nu.check()
