"""The hours services' one error: a code the views turn into a message."""


class HoursError(ValueError):
    def __init__(self, code: str, **detail):
        super().__init__(code)
        self.code = code
        self.detail = detail
