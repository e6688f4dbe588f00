"""Replays of past events: one ``Replay`` per event, holding its resources and their access rules.

The replay is what is published, announced to registrants and viewed (one page per event); each
resource (video, slides, summary, captions) has its own access rule, URL or stored file, so that
a public video may come with members-only slides. Counts live in ``replay_counts``, a private table
that no page cache depends on (a view must not empty the caches).
"""

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db

KINDS = {"video": "Vidéo", "slides": "Diaporama", "summary": "Synthèse", "captions": "Sous-titres"}
ACCESS = {"public": "Public", "members": "Réservé aux collectivités adhérentes"}
HOSTS = {"rtes": "le RTES", "idealco": "IdealCo"}


class Replay(db.Model):
    """The replay of one event. ``host`` names who publishes the recording when it is not linked
    here (``rtes``, ``idealco``); ``*_announced`` say slides or a summary exist without a file here.
    ``notified_at`` keeps registrants from being told twice."""

    __tablename__ = "replays"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    host: Mapped[str | None] = mapped_column(String(40))
    slides_announced: Mapped[bool] = mapped_column(Boolean, default=False)
    summary_announced: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now, onupdate=clock.now)

    event = relationship("Event", lazy="joined")
    resources = relationship(
        "ReplayResource", order_by="ReplayResource.id", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def host_label(self) -> str | None:
        return HOSTS.get(self.host, self.host) if self.host else None

    def resource(self, kind: str) -> "ReplayResource | None":
        return next((r for r in self.resources if r.kind == kind), None)

    def __repr__(self) -> str:
        return f"<Replay of event {self.event_id}>"


class ReplayResource(db.Model):
    """One resource of a replay: a video (URL, chapters, transcript in ``text``), slides (URL or an
    uploaded PDF), a summary (Markdown in ``text``) or captions (an uploaded WebVTT file).
    Uploaded files are kept under ``stored_name`` in ``<instance>/uploads/``."""

    __tablename__ = "replay_resources"
    __table_args__ = (UniqueConstraint("replay_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    replay_id: Mapped[int] = mapped_column(ForeignKey("replays.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    access: Mapped[str] = mapped_column(String(20), default="public")
    url: Mapped[str | None] = mapped_column(String(500))
    text: Mapped[str | None] = mapped_column(Text)
    chapters: Mapped[list] = mapped_column(JSON, default=list)  # [[seconds, title], …]
    file_name: Mapped[str | None] = mapped_column(String(200))
    stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    file_size: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now, onupdate=clock.now)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def members_only(self) -> bool:
        return self.access == "members"

    def __repr__(self) -> str:
        return f"<ReplayResource {self.kind} of replay {self.replay_id}>"


class ReplayCount(db.Model):
    """How many times a replay page was viewed (``item`` = ``page``) or a file downloaded (``item``
    = its kind), per calendar year: a bare counter, nothing about who."""

    __tablename__ = "replay_counts"

    replay_id: Mapped[int] = mapped_column(ForeignKey("replays.id", ondelete="CASCADE"), primary_key=True)
    item: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ReplayOptOut(db.Model):
    """An address that asked for no more replay announcements, kept as a hash of the address."""

    __tablename__ = "replay_opt_outs"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
