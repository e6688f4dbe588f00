"""Attestations de présence: issued to the people present at an event once its organisers close the
attendance, their facts frozen as issued (name, organisation, the event, its dates, place or « à
distance », the hours attended per day, the network, the signatory the admins set), printed as PDF
with their verification address (``/attestations/<code>``) as text and QR code, sent through the
outbox when the event is set to send them (rendered when sent: ``rendering``), withdrawn when the
registration is erased (``registrations``).

Hours attended: on each day the person was checked in (``CheckIn``), or on every day of the event
when their presence was ticked by hand; a day lasts the span of its programme's slots, else the
event's hours for a single-day event, else the event's daily hours (its start to end time), else
``DAY_MINUTES`` for an all-day event.
"""

from datetime import date, time
from email.message import EmailMessage

from sqlalchemy import or_, select

from . import audit, clock, mail, outbox, pdf, rendering, timetable
from .extensions import db
from .formatting import day, moment, when
from .models import Attestation, CheckIn, Event, Registration, Setting
from .models.events import fold
from .outbox import Dropped
from .plugins import hook
from .urls import external_url

NETWORK = "Réseau des collectivités Territoriales pour une Économie Solidaire (RTES)"
DAY_MINUTES = 7 * 60  # a full day of training, as public employers count it
SIGNATORY = {"name": "attestations.signatory_name", "role": "attestations.signatory_role"}
SIGNATORY_DEFAULT = {"name": "", "role": "Pour le RTES"}
TEMPLATE = "attestation"  # the kind of its e-mail (``rendering``)
SUBJECT = "Votre attestation de présence : {title}"


class AttestationRefused(ValueError):
    """The attendance cannot be closed now; the message says why, in French."""


def signatory() -> dict[str, str]:
    """The signatory's name and role, as the admins set them (``Setting``)."""
    stored = dict(
        db.session.execute(
            select(Setting.key, Setting.value).where(Setting.key.in_(SIGNATORY.values()))
        ).all()
    )
    return {field: stored.get(key, SIGNATORY_DEFAULT[field]) for field, key in SIGNATORY.items()}


def set_signatory(name: str, role: str) -> bool:
    """Store the signatory (audited); False when nothing changed. The caller commits."""
    before = signatory()
    if before == {"name": name, "role": role}:
        return False
    for field, value in (("name", name), ("role", role)):
        db.session.merge(Setting(key=SIGNATORY[field], value=value))
    audit.record(
        "attestations.signatory",
        signataire=f"{before['name'] or '—'} ({before['role']}) → {name or '—'} ({role})",
    )
    return True


def present(event: Event) -> list[Registration]:
    """The people present at ``event`` (marked present, or checked in on a day), by name."""
    checked = select(CheckIn.registration_id).where(CheckIn.event_id == event.id)
    people = db.session.scalars(
        select(Registration).where(
            Registration.event_id == event.id,
            Registration.erased_at.is_(None),
            or_(Registration.status == "attended", Registration.id.in_(checked)),
        )
    ).all()
    return sorted(people, key=lambda r: (fold(r.last_name), fold(r.first_name), r.id))


def day_minutes(event: Event, on: date) -> int:
    """How long ``event`` lasts on the Paris day ``on``, in minutes."""
    slots = [slot for slot in event.slots if timetable.slot_day(slot, event) == on]
    if slots:
        return _minutes(min(slot.starts for slot in slots), max(slot.ends for slot in slots))
    if event.all_day:
        return DAY_MINUTES
    if event.local_start.date() == event.local_end.date():
        return int((event.ends_at - event.starts_at).total_seconds() // 60)
    return _minutes(event.local_start.time(), event.local_end.time()) or DAY_MINUTES


def _minutes(start: time, end: time) -> int:
    return max(0, (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute))


def attended_days(registration: Registration) -> list[date]:
    """The days ``registration`` was present: those checked in, else every day of the event."""
    checked = db.session.scalars(
        select(CheckIn.day).where(CheckIn.registration_id == registration.id).order_by(CheckIn.day)
    ).all()
    return list(checked) or timetable.event_days(registration.event)


def place(registration: Registration) -> str:
    """Where the person attended: the venue and city, or « à distance »."""
    event = registration.event
    if event.mode == "online" or registration.mode == "remote":
        return "à distance"
    return ", ".join(part for part in (event.venue, event.city) if part) or "sur place"


def facts(registration: Registration) -> dict:
    """What the attestation of ``registration`` states, as issued now."""
    event = registration.event
    days = [
        {"day": d.isoformat(), "label": day(d), "minutes": day_minutes(event, d)}
        for d in attended_days(registration)
    ]
    details = [
        list(pair) for pairs in hook().rtes_attestation_details(registration=registration) for pair in pairs
    ]
    return {
        "name": registration.full_name,
        "organisation": registration.organisation,
        "event": event.title,
        "dates": when(event),
        "place": place(registration),
        "days": days,
        "minutes": sum(item["minutes"] for item in days),
        "network": NETWORK,
        "signatory": signatory(),
        "details": details,
        "issued_on": clock.to_local(clock.now()).date().isoformat(),
    }


def issue(event: Event) -> list[Attestation]:
    """An attestation for each person present at ``event`` who has none yet; returns the new ones.
    Those issued before keep their facts. The caller commits."""
    issued = set(
        db.session.scalars(select(Attestation.registration_id).where(Attestation.event_id == event.id))
    )
    new = [
        Attestation(registration=registration, event_id=event.id, facts=facts(registration))
        for registration in present(event)
        if registration.id not in issued
    ]
    db.session.add_all(new)
    db.session.flush()
    return new


def close_attendance(event: Event) -> list[Attestation]:
    """Close the attendance of ``event`` (audited): issue the attestations, and queue each in an
    e-mail when the event is set to send them. Returns the attestations issued now. Commits."""
    if event.status == "cancelled":
        raise AttestationRefused("Cet événement est annulé : il n'y a pas de présences à clôturer.")
    if event.starts_at > clock.now():
        start = moment(clock.to_local(event.starts_at))
        raise AttestationRefused(f"Les présences se clôturent une fois la session commencée, le {start}.")
    event.attendance_closed_at = clock.now()
    new = issue(event)
    if event.send_attestations:
        for attestation in new:
            registration = attestation.registration
            outbox.enqueue_registration_email(registration, TEMPLATE, SUBJECT.format(title=event.title))
    audit.record(
        "attendance.closed",
        event=event,
        attestations=len(new),
        envoi="oui" if event.send_attestations else "non",
    )
    db.session.commit()
    return new


@rendering.renders(TEMPLATE)
def message(reference: dict) -> EmailMessage:
    """The e-mail of a registration's attestation, its PDF attached, rendered when sent; dropped when
    the attestation was withdrawn meanwhile."""
    registration = rendering.registration(reference)
    attestation = of_registration(registration)
    if attestation is None:
        raise Dropped
    email = mail.registration_message(
        registration,
        TEMPLATE,
        subject_line=SUBJECT.format(title=registration.event.title),
        context={"verification_url": verification_url(attestation)},
    )
    email.add_attachment(
        document([attestation]), maintype="application", subtype="pdf", filename=filename(registration.event)
    )
    return email


def of_registration(registration: Registration) -> Attestation | None:
    """The attestation of ``registration`` if one was issued and stands."""
    return db.session.scalar(
        select(Attestation).where(
            Attestation.registration_id == registration.id, Attestation.withdrawn_at.is_(None)
        )
    )


def of_event(event: Event) -> list[Attestation]:
    """The standing attestations of ``event``, by name."""
    found = db.session.scalars(
        select(Attestation).where(Attestation.event_id == event.id, Attestation.withdrawn_at.is_(None))
    ).all()
    return sorted(found, key=lambda a: (fold(a.facts.get("name", "")), a.id))


def by_code(code: str) -> Attestation | None:
    return db.session.scalar(select(Attestation).where(Attestation.code == code[:32]))


def verification_url(attestation: Attestation) -> str:
    return external_url("attestations.verify", code=attestation.code)


def duration(minutes: int) -> str:
    """« 7 h », « 3 h 30 »."""
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def issued_on(attestation: Attestation) -> str:
    """« jeudi 4 septembre 2025 »: the day the attestation was issued."""
    return day(date.fromisoformat(attestation.facts["issued_on"]))


def filename(event: Event) -> str:
    return f"attestation-{event.slug}.pdf"


def document(attestations: list[Attestation]) -> bytes:
    """The PDF of ``attestations``, one A4 page each."""
    title = attestations[0].facts.get("event", "") if attestations else ""
    doc = pdf.document(f"Attestation de présence – {title}")
    doc.set_margins(25, 25, 25)
    for attestation in attestations:
        _page(doc, attestation)
    return pdf.output(doc)


def _page(doc, attestation: Attestation) -> None:
    f = attestation.facts
    doc.add_page()
    doc.set_font(pdf.FONT, "B", 20)
    doc.cell(0, 14, "Attestation de présence", align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(8)
    doc.set_font(pdf.FONT, "", 12)
    lines = [
        f"Le {f['network']} atteste que",
        "",
        f"{f['name']}, {f['organisation']}" if f["organisation"] else f["name"],
        "",
        f"a participé à « {f['event']} », {f['dates']}, {f['place']},",
        f"pour une durée de {duration(f['minutes'])}" + (" :" if len(f["days"]) > 1 else "."),
    ]
    if len(f["days"]) > 1:  # hours day by day
        lines += [f"  · {item['label']} : {duration(item['minutes'])}" for item in f["days"]]
    lines += [""] + [f"{label} : {value}" for label, value in f.get("details", [])]
    for line in lines:
        doc.multi_cell(0, 7, line, align="L", new_x="LMARGIN", new_y="NEXT")
    doc.ln(6)
    doc.multi_cell(
        0,
        7,
        f"Fait le {issued_on(attestation)}, pour servir et valoir ce que de droit.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.ln(4)
    for line in (f["signatory"]["name"], f["signatory"]["role"]):
        if line:
            doc.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    url = verification_url(attestation)
    top = doc.h - 70
    pdf.qr_code(doc, url, doc.l_margin, top, 35)
    doc.set_xy(doc.l_margin + 40, top + 8)
    doc.set_font(pdf.FONT, "", 9)
    doc.multi_cell(0, 5, f"Vérifier cette attestation :\n{url}", new_x="LMARGIN", new_y="NEXT")
