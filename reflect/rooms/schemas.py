"""What every inbound Socket.IO event may carry (marshmallow). Unknown keys are refused."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from reflect.rooms.answers import AUDIENCES, TEXT_MAX
from reflect.rooms.checkins import KINDS
from reflect.rooms.lifecycle import PHASES, TIMER_MAX, TIMER_MIN
from reflect.rooms.notes import NOTE_MAX, TAG_MAX
from reflect.rooms.scales import FEELING_MAX

CommandId = lambda: fields.String(  # noqa: E731
    required=True, validate=[validate.Length(min=8, max=64), validate.Regexp(r"^[A-Za-z0-9_-]+$")]
)
AnswerId = lambda: fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{32}$"))  # noqa: E731
# No minimum length: an empty answer or takeaway reaches the service, whose "text_empty"
# ("Write something first, or choose pass.") says what to do, where "invalid" would not.
Text = lambda limit: fields.String(required=True, validate=validate.Length(max=limit))  # noqa: E731
Id = lambda **kw: fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1), **kw)  # noqa: E731


class Empty(Schema):
    pass


# --- phones -------------------------------------------------------------------------


class CheckinIn(Schema):
    cid = CommandId()
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    passed = fields.Boolean(load_default=False)
    scores = fields.Dict(
        keys=fields.String(validate=validate.Length(max=32)),
        values=fields.Integer(strict=True, validate=validate.Range(min=1, max=5)),
        load_default=dict,
        validate=validate.Length(max=3),
    )
    feeling = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=FEELING_MAX))
    free_word = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=FEELING_MAX))


class AnswerIn(Schema):
    cid = CommandId()
    card = Id(required=True)
    text = Text(TEXT_MAX)
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    named = fields.Boolean(load_default=False)
    share_anyway = fields.Boolean(load_default=False)


class TakeawayPassIn(Schema):
    cid = CommandId()


class PassIn(Schema):
    cid = CommandId()
    card = Id(required=True)


class TakeawayIn(Schema):
    cid = CommandId()
    text = Text(TEXT_MAX)
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    share_anyway = fields.Boolean(load_default=False)


class AnswerRefIn(Schema):
    cid = CommandId()
    answer = AnswerId()


class HandIn(Schema):
    cid = CommandId()
    raised = fields.Boolean(required=True)


class TalkAfterIn(Schema):
    cid = CommandId()
    wanted = fields.Boolean(required=True)


class LanguageIn(Schema):
    lang = fields.String(required=True, validate=validate.OneOf(["en", "es"]))


# --- facilitator ----------------------------------------------------------------------


class PhaseIn(Schema):
    cid = CommandId()
    to = fields.String(required=True, validate=validate.OneOf(PHASES))


class CardMoveIn(Schema):
    cid = CommandId()
    action = fields.String(required=True, validate=validate.OneOf(["next", "prev", "jump"]))
    position = fields.Integer(strict=True, load_default=None, allow_none=True, validate=validate.Range(min=0, max=999))


class FlagIn(Schema):
    cid = CommandId()
    value = fields.Boolean(required=True)


class ParticipantIn(Schema):
    cid = CommandId()
    participant = Id(required=True)


class CheckinControlIn(Schema):
    cid = CommandId()
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    open = fields.Boolean(required=True)


class RevealIn(Schema):
    cid = CommandId()
    card = Id(load_default=None, allow_none=True)
    # one answer only (approving it if it was held back); none: every answer that may be
    answer = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[0-9a-f]{32}$"))


class ApproveIn(Schema):
    cid = CommandId()
    answer = AnswerId()
    approved = fields.Boolean(required=True)


class ClaimIn(Schema):
    cid = CommandId()
    participant = Id(required=True)
    same = fields.Boolean(required=True)


class HideIn(Schema):
    cid = CommandId()
    answer = AnswerId()
    hidden = fields.Boolean(required=True)


class TimerIn(Schema):
    cid = CommandId()
    seconds = fields.Integer(strict=True, load_default=None, allow_none=True,
                             validate=validate.Range(min=TIMER_MIN, max=TIMER_MAX))


class NoteSaveIn(Schema):
    note = fields.String(required=True, validate=[validate.Length(min=8, max=64), validate.Regexp(r"^[A-Za-z0-9_-]+$")])
    text = fields.String(required=True, validate=validate.Length(max=NOTE_MAX))
    tags = fields.List(Id(), load_default=list, validate=validate.Length(max=30))
    share = fields.Boolean(load_default=False)
    # the facilitator saw the identifier guard's warning and shares the note all the same
    share_anyway = fields.Boolean(load_default=False)


class NoteDeleteIn(Schema):
    note = fields.String(required=True, validate=validate.Length(min=8, max=64))


class TagAddIn(Schema):
    label = fields.String(required=True, validate=validate.Length(min=1, max=TAG_MAX))


class TagRefIn(Schema):
    tag = Id(required=True)
