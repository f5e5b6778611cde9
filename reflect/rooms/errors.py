"""The one error the live-session services raise: a code the client can show."""


class RoomError(Exception):
    """A command that cannot be carried out. Nothing was changed."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details
