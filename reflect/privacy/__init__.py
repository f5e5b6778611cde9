"""Privacy scanning for reflections before they are shared with the group.

Standard library only; importing this package imports nothing else from
``reflect``.
"""

from .scanner import CATEGORIES, ScanResult, Span, scan

__all__ = ["CATEGORIES", "ScanResult", "Span", "scan"]
