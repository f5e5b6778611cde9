"""The supervisor review area: themes, check-in trends, attendance and hours, exports.

``stats`` computes (no Flask), ``access`` decides who sees which groups, ``exports``
shapes CSV and JSON, ``views`` is the blueprint (``review``: /review and /api/review).
"""
