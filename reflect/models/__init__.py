"""All tables. Import from here so Alembic sees every model."""
from reflect.models.accounts import AppSetting, AuditEvent, LoginSession, Passkey, PasswordToken, RecoveryCode, Role, ScheduledJob, User
from reflect.models.decks import CustomDeck
from reflect.models.groups import Group, RosterMember, SupervisorAssignment
from reflect.models.live import (
    Answer,
    CheckinAnswer,
    CheckinMark,
    CheckinRound,
    GroupSession,
    Participant,
    ProcessedCommand,
    Reaction,
    ResponseMark,
    ScreenPresence,
    SessionCard,
    SocketPresence,
)
from reflect.models.hours import (
    AttendanceCorrection,
    HoursLetter,
    IndividualMeeting,
    Person,
    PractitionerLink,
    ProviderProfile,
    RosterLink,
    SessionMode,
)
from reflect.models.notes import Note, NoteTag, ThemeTag

__all__ = [
    "Answer", "AppSetting", "AuditEvent", "CheckinAnswer", "CheckinMark", "CheckinRound",
    "CustomDeck", "Group", "GroupSession", "LoginSession", "Note", "NoteTag", "Participant",
    "Passkey", "PasswordToken", "ProcessedCommand", "Reaction", "RecoveryCode", "ResponseMark", "Role", "RosterMember",
    "ScheduledJob", "ScreenPresence", "SessionCard", "SocketPresence", "SupervisorAssignment", "ThemeTag", "User",
    "AttendanceCorrection", "HoursLetter", "IndividualMeeting", "Person", "PractitionerLink", "ProviderProfile",
    "RosterLink", "SessionMode",
]
