"""Reflective-supervision hours: one record per person across groups and providers,
progress toward endorsement, letters that can be verified (``docs/hours.md``)."""
