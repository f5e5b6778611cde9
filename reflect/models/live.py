"""The live session's tables.

Anonymity is a property of these tables, not of the display:
- ``CheckinAnswer``, anonymous ``Answer`` rows and ``Reaction`` rows carry no
  participant reference and no timestamp; their primary key is random and the
  tables are stored WITHOUT ROWID on SQLite, so no column or hidden row id tells
  the order in which they were written. When the round they belong to closes (a
  check-in round, a card leaving the screen, the closing phase, the session's end)
  they are written again in a random order (``reflect.rooms.settle``), so that their
  place in storage says nothing of their arrival either.
- "Has answered" is kept apart from the answer (``CheckinMark``, ``ResponseMark``),
  with the id of the command that wrote it (a retry is known by it); the marks go
  when the session ends, and with them the last record of who did what.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reflect.db import Base, utcnow
from reflect.models.groups import Group

NO_ROWID = {"sqlite_with_rowid": False}


class GroupSession(Base):
    __tablename__ = "group_sessions"
    __table_args__ = (Index("ix_group_sessions_group_started", "group_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    deck_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(120), default="")
    phase: Mapped[str] = mapped_column(String(16), default="lobby")
    version: Mapped[int] = mapped_column(default=1)
    join_code: Mapped[str | None] = mapped_column(String(8), unique=True)
    locked: Mapped[bool] = mapped_column(default=False)
    allow_names: Mapped[bool] = mapped_column(default=True)
    # whether a check-in may carry a word of the participant's own besides the shared
    # list of feelings (``reflect.rooms.feelings``); it reaches the facilitator only
    allow_free_feeling: Mapped[bool] = mapped_column(default=False)
    current_position: Mapped[int | None]
    timer_ends_at: Mapped[datetime | None]
    min_group_size: Mapped[int] = mapped_column(default=3)
    checkin_scales: Mapped[list] = mapped_column(default=list)
    # Keys the anonymous reaction de-duplication; erased when the session ends.
    anon_salt: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    planned_for: Mapped[datetime | None]  # when the group means to meet (UTC), if the facilitator said
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    text_purged_at: Mapped[datetime | None]
    # per prompt ("card:<id>" | "takeaway"): how many shared anonymous answers its last
    # reveal left unrevealed (a count; see ``answers.reveal``)
    reveal_backlog: Mapped[dict | None]

    group: Mapped[Group] = relationship()
    cards: Mapped[list["SessionCard"]] = relationship(order_by="SessionCard.position", viewonly=True)


class Participant(Base):
    """A phone in one session. The cookie token is kept only as a hash."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(80))
    roster_member_id: Mapped[int | None] = mapped_column(ForeignKey("roster_members.id", ondelete="SET NULL"))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(16), default="admitted")  # waiting | admitted | removed
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    connections: Mapped[int] = mapped_column(default=0)
    disconnected_at: Mapped[datetime | None]
    hand_raised_at: Mapped[datetime | None]
    talk_after: Mapped[bool] = mapped_column(default=False)
    # a device that chose a roster name already held here: waits until the facilitator
    # admits it as that participant (``lifecycle.settle_claim``) or refuses it
    claims_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))


class SessionCard(Base):
    """A card as it was shown in this session: its text is a copy, so editing the deck
    later never changes the record of a past session."""

    __tablename__ = "session_cards"
    __table_args__ = (UniqueConstraint("session_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    deck_card_id: Mapped[str] = mapped_column(String(64))
    deck_version: Mapped[int] = mapped_column(default=1)
    languages: Mapped[list]
    text: Mapped[dict]
    followup: Mapped[dict] = mapped_column(default=dict)
    perspective: Mapped[str] = mapped_column(String(32))
    themes: Mapped[list] = mapped_column(default=list)
    shown_at: Mapped[datetime | None]


class CheckinRound(Base):
    __tablename__ = "checkin_rounds"
    __table_args__ = (UniqueConstraint("session_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # opening | closing
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    scales: Mapped[list]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # How many answered (passes included), counted when the session ends, when the
    # "has answered" marks that linked people to the round are deleted; None before.
    answered: Mapped[int | None]


class CheckinMark(Base):
    """Who has answered a round — and nothing about what they answered."""

    __tablename__ = "checkin_marks"
    __table_args__ = NO_ROWID

    round_id: Mapped[int] = mapped_column(ForeignKey("checkin_rounds.id", ondelete="CASCADE"), primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True)
    # the id of the command that wrote the mark, so that its retry gets its acknowledgement
    # again; cleared when the round closes (a retry then finds the round closed)
    command_id: Mapped[str | None] = mapped_column(String(64))


class CheckinAnswer(Base):
    """One anonymous check-in: no participant, no time, a random key (a new one each
    time the round's rows are written again). ``feeling`` is the key of a feeling of
    the shared list (``reflect.rooms.feelings``), never a participant's spelling;
    ``free_word``, a word of their own where the facilitator allowed it, reaches the
    facilitator only, never an aggregate, and is purged with the written text."""

    __tablename__ = "checkin_answers"
    __table_args__ = (Index("ix_checkin_answers_round", "round_id"), NO_ROWID)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("checkin_rounds.id", ondelete="CASCADE"))
    passed: Mapped[bool] = mapped_column(default=False)
    scores: Mapped[dict] = mapped_column(default=dict)  # {scale: 1..5}
    feeling: Mapped[str | None] = mapped_column(String(40))
    free_word: Mapped[str | None] = mapped_column(String(40))


class Answer(Base):
    """An answer to a card, or a closing takeaway (``session_card_id`` NULL).

    ``author_participant_id`` is set only when the author chose to share with their
    name; an anonymous answer holds no reference to its author.
    """

    __tablename__ = "answers"
    __table_args__ = (Index("ix_answers_session_card", "session_id", "session_card_id"), NO_ROWID)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"))
    session_card_id: Mapped[int | None] = mapped_column(ForeignKey("session_cards.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="card")  # card | takeaway
    audience: Mapped[str] = mapped_column(String(16))  # group | facilitator
    author_participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))
    author_name: Mapped[str | None] = mapped_column(String(80))
    text: Mapped[str | None] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(default=False)
    revealed: Mapped[bool] = mapped_column(default=False)
    reveal_rank: Mapped[int | None]
    resonates: Mapped[int] = mapped_column(default=0)
    withdrawn: Mapped[bool] = mapped_column(default=False)
    # shared with "share anyway": the guard's spans, [[start, end, category], ...]; held
    # back from "reveal all" until the facilitator approves it
    flagged: Mapped[list | None]
    approved: Mapped[bool] = mapped_column(default=False)


class ResponseMark(Base):
    """That a participant answered (or passed) a prompt — never which answer is theirs."""

    __tablename__ = "response_marks"
    __table_args__ = NO_ROWID

    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"), primary_key=True)
    prompt: Mapped[str] = mapped_column(String(40), primary_key=True)  # "card:<id>" | "takeaway"
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True)
    passed: Mapped[bool] = mapped_column(default=False)
    # the id of the command that wrote the mark (see ``CheckinMark.command_id``); cleared
    # when the card leaves the screen or the closing phase ends
    command_id: Mapped[str | None] = mapped_column(String(64))


class Reaction(Base):
    """An anonymous "this resonates with me". The key is a keyed hash of participant and
    answer under the session's salt, which is erased when the session ends."""

    __tablename__ = "reactions"
    __table_args__ = NO_ROWID

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    answer_id: Mapped[str] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)


class ProcessedCommand(Base):
    """A command id already applied, with the acknowledgement to repeat on a retry.

    Anonymous commands (a check-in, an answer, a pass, a takeaway, a reaction) are never
    recorded here: their retry is known by their mark's ``command_id`` (a reaction by
    its own key). The acknowledgement stored is the service's, never what the command
    set in the phone's own state (that is worked out again from the retry). Every row
    of a session is deleted when it ends.
    """

    __tablename__ = "processed_commands"
    __table_args__ = NO_ROWID

    actor: Mapped[str] = mapped_column(String(40), primary_key=True)  # "p:<participant>" | "u:<user>"
    command_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"), index=True)
    response: Mapped[dict] = mapped_column(default=dict)


class SocketPresence(Base):
    """One connected phone socket. Rows are refreshed by their server process and swept
    when stale, so presence survives a crashed process and works across processes."""

    __tablename__ = "socket_presence"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"), index=True)
    server_id: Mapped[str] = mapped_column(String(32), index=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScreenPresence(Base):
    """One connected facilitator console or projector display, so that any process can
    tell which of a session's screen rooms has someone in it (a process sees only its
    own sockets). Refreshed and swept like ``SocketPresence``; holds nothing anyone wrote."""

    __tablename__ = "screen_presence"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"), index=True)
    audience: Mapped[str] = mapped_column(String(16))  # "display" | "facilitator"
    lang: Mapped[str] = mapped_column(String(8))
    server_id: Mapped[str] = mapped_column(String(32), index=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
