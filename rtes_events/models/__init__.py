"""SQLAlchemy models, one module per aggregate."""

from .accounts import User
from .attestations import Attestation
from .audit import AuditEntry
from .checkins import CheckIn
from .clubs import Club, Region
from .events import Event, EventSpeaker, Speaker, Theme
from .members import MemberDomain, MemberOrganisation
from .outbox import OutboxMessage
from .partners import Partner
from .programmes import Programme, event_programmes
from .proposals import EventProposal
from .questions import Answer, Question
from .reach import ReachedOrganisation
from .registrations import CalendarToken, Registration
from .reminders import OrganiserReminderSent, ReminderSent, ReminderStop
from .replays import Replay, ReplayCount, ReplayOptOut, ReplayResource
from .search import event_words
from .settings import Setting
from .site_pages import SitePage
from .slots import Slot, SlotSpeaker, registration_slots
from .sources import CalendarSource, calendar_source_themes
from .surveys import SurveyAnswer, SurveyInvitation
from .versions import DataVersion

__all__ = [
    "Answer",
    "Attestation",
    "AuditEntry",
    "CalendarSource",
    "CalendarToken",
    "CheckIn",
    "Club",
    "DataVersion",
    "Event",
    "EventProposal",
    "EventSpeaker",
    "MemberDomain",
    "MemberOrganisation",
    "OrganiserReminderSent",
    "OutboxMessage",
    "Partner",
    "Programme",
    "Question",
    "ReachedOrganisation",
    "Region",
    "Registration",
    "ReminderSent",
    "ReminderStop",
    "Replay",
    "ReplayCount",
    "ReplayOptOut",
    "ReplayResource",
    "Setting",
    "SitePage",
    "Slot",
    "SlotSpeaker",
    "Speaker",
    "SurveyAnswer",
    "SurveyInvitation",
    "Theme",
    "User",
    "calendar_source_themes",
    "event_programmes",
    "event_words",
    "registration_slots",
]
