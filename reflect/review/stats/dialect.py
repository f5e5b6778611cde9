"""The SQL that differs between SQLite and PostgreSQL: a stored time's month in the
period's zone, the elements of a JSON list, the scores of a JSON object."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, and_, case, cast, func, literal_column
from sqlalchemy.orm import Session

from reflect.review.stats.periods import Period


class PeriodSql:
    """SQL expressions for one period, as the session's database writes them."""

    def __init__(self, db: Session, period: Period):
        self.pg = db.get_bind().dialect.name == "postgresql"
        self.period = period

    def _stamp(self, moment: datetime):
        # As each backend stores the column (SQLAlchemy's SQLite format is text).
        if self.pg:
            return literal_column(f"TIMESTAMP '{moment:%Y-%m-%d %H:%M:%S}'")
        return literal_column(f"'{moment:%Y-%m-%d %H:%M:%S}.000000'")

    def _shift(self, seconds: int):
        if self.pg:
            return literal_column(f"INTERVAL '{int(seconds)} seconds'")
        return literal_column(f"'{int(seconds):+d} seconds'")

    def _offset(self, column):
        """The period's zone's UTC offset at ``column``'s time, as an SQL interval (PG) or
        date modifier (SQLite); None when it is UTC throughout. The offsets come from
        Python's time-zone database (the same one every date shown is computed with),
        one per stretch between changes within the period (a few per year), inlined."""
        steps = self.period.offsets()
        if len(steps) == 1:
            return self._shift(steps[0][1]) if steps[0][1] else None
        whens = [(column < self._stamp(steps[i + 1][0]), self._shift(steps[i][1])) for i in range(len(steps) - 1)]
        return case(*whens, else_=self._shift(steps[-1][1]))

    def month(self, column):
        """``YYYY-MM`` of ``column`` in the period's zone. Everything is inlined, nothing
        bound: a grouped expression must read the same twice."""
        offset = self._offset(column)
        if self.pg:
            return func.to_char(column if offset is None else column + offset, literal_column("'YYYY-MM'"))
        if offset is None:
            return func.strftime(literal_column("'%Y-%m'"), column)
        return func.strftime(literal_column("'%Y-%m'"), column, offset)

    def list_values(self, column, name: str):
        fn = func.json_array_elements_text if self.pg else func.json_each
        return fn(column).table_valued("value", name=name)

    def score_items(self, column, name: str):
        """(table, key column, 1..5 integer score expression, condition)."""
        if self.pg:
            items = func.json_each_text(column).table_valued("key", "value", name=name)
            valid = items.c.value.in_(["1", "2", "3", "4", "5"])
            return items, items.c.key, case((valid, cast(items.c.value, Integer))), valid
        items = func.json_each(column).table_valued("key", "value", "type", name=name)
        valid = and_(items.c.type == "integer", items.c.value >= 1, items.c.value <= 5)
        return items, items.c.key, items.c.value, valid
