"""Read-only views of rows: ``RowView``, a row's columns as attributes that refuse writes."""
from __future__ import annotations


class RowView:
    """A row's columns as read-only attributes. A view refuses writes, so a service
    that would change it fails loudly instead of losing the change."""

    __slots__ = ("_values",)

    def __init__(self, values: dict):
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"{name}: a read-only view")
