"""The figures of the supervisor review area: plain functions over a ``Session``; no Flask.

``periods`` (the period and its buckets), ``scope`` (which sessions and notes count),
``dialect`` (the SQL that differs between SQLite and PostgreSQL), ``min_group_size``
(the rule every aggregate applies), the aggregates ``sessions`` (held, hours),
``themes``, ``checkins`` (means, change, feeling words), ``takeaways``,
``shared_notes`` and ``attendance``, and ``report`` (one group's report, the overview).

What counts
-----------
- A session is *held* when it has ended (``ended_at`` set); it belongs to the period by
  ``started_at`` and lasts ``ended_at - started_at``. Times are stored in UTC; days,
  months, quarters and years are those of the configured time zone
  (``REFLECT_TIMEZONE``, the period's ``tz``): a 6 pm Pacific session on 31 December
  belongs to December, and to that year. A session that ended in the
  lobby never started and is not counted. Once ended, nothing in it can change (its
  check-in rounds are closed and cannot be reopened), so every view of it is the same.
- Cards count when they were shown (``SessionCard.shown_at`` set).
- Attendance: a rostered person attended a held session when an admitted participant
  carried their ``roster_member_id``.
- Hours: each held session's duration is rounded half-up to 0.01 h once; every total (a
  person's, a period's, a group's) is the sum of its sessions' rounded hours, so the
  attendance log and the session list always add up to the totals shown beside them.

The minimum-group-size rule is stated in ``min_group_size``.

Every aggregate is computed in SQL over the held sessions of the period (found through
the ``(group_id, started_at)`` index), so the work grows with what is shown.
"""
