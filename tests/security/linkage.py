"""A database reader trying to name the authors of anonymous rows.

The reader has what ``SELECT`` gives on either database: every table, every column and
stored JSON, the audit trail, sequences, and the hidden columns (PostgreSQL's ``ctid``,
``xmin``, ``cmin``; SQLite's ``rowid`` where a table has one). The test that runs a
session knows who wrote what (``Truth``); ``attack`` then tries, for each anonymous row,
every way a reader could guess its author:

- *references*: any row of any table (but attendance and named answers) that names a
  participant, by id, by ``p:<id>`` or by name, or that repeats an anonymous row's text
  or feeling next to a person;
- *zips*: the anonymous rows of one round in some storage order (each hidden column,
  each column, the order a plain ``SELECT`` returns), matched one by one with the
  participants in some order (each of their columns, hidden ones included, and the
  order of any row still naming them), both ways round; and all of a session's answers
  in one order dealt out over the people in turn;
- *stamps* (PostgreSQL): the participant whose rows carry the same transaction stamp,
  or the nearest one before it.

Each attempt's hits are compared with what guessing gets (one chance in the number of
people who could have written the row): ``assert_chance`` fails when any attempt does
better than chance could with probability ``ALPHA``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from sqlalchemy import create_engine, inspect, text

ALPHA = 1e-5
ANONYMOUS_TABLES = ("answers", "checkin_answers", "reactions")
# tables that hold a person's presence or name by design: attendance, the roster
ATTENDANCE = {"participants", "roster_members"}


@dataclass(frozen=True)
class Row:
    """One anonymous row the session wrote: ``group`` (the round it belongs to), how to
    find it (an answer's text, or a check-in round's kind and feeling key) and its author."""

    group: str
    table: str
    key: str
    author: int


@dataclass
class Truth:
    session_id: int
    people: dict[int, str]  # every admitted participant: id -> name
    rows: list[Row] = field(default_factory=list)
    named: set[int] = field(default_factory=set)  # people who also shared a named answer

    def add(self, group: str, table: str, key: str, author: int) -> None:
        self.rows.append(Row(group, table, key, author))


@dataclass
class Attempt:
    name: str
    hits: int
    tries: int
    p_value: float


def _tail(probabilities: list[float], hits: int) -> float:
    """P(at least ``hits`` successes) for independent tries with these chances."""
    dist = [1.0]
    for p in probabilities:
        nxt = [0.0] * (len(dist) + 1)
        for k, v in enumerate(dist):
            nxt[k] += v * (1 - p)
            nxt[k + 1] += v * p
        dist = nxt
    return sum(dist[hits:])


def _person_of(row: dict) -> int | None:
    """The participant a row names, by a participant column or an actor ``p:<id>``."""
    if row.get("participant_id") is not None:
        return row["participant_id"]
    actor = row.get("actor")
    if isinstance(actor, str) and actor.startswith("p:") and actor[2:].isdigit():
        return int(actor[2:])
    return None


def _ctid(value: str) -> tuple[int, int]:
    page, line = value.strip("()").split(",")
    return int(page), int(line)


class Reader:
    """What one ``SELECT``-level reader of the database sees of one session."""

    def __init__(self, url: str, truth: Truth):
        self.engine = create_engine(url)
        self.pg = self.engine.dialect.name == "postgresql"
        self.truth = truth
        with self.engine.connect() as conn:
            self.tables = sorted(inspect(conn).get_table_names())
            self.everything = {t: self._rows(conn, t) for t in self.tables}
            self.rounds = {r["id"]: r["kind"] for r in self.everything["checkin_rounds"]
                           if r["session_id"] == truth.session_id}
            self.rowid_tables = [t for t in self.tables if self._has_rowid(conn, t)] if not self.pg else []
            self.sequences = self._sequences(conn)

    def close(self) -> None:
        self.engine.dispose()

    def _rows(self, conn, table: str) -> list[dict]:
        hidden = "ctid::text AS _ctid, xmin::text::bigint AS _xmin, cmin::text::bigint AS _cmin, " if self.pg else ""
        if not self.pg and self._has_rowid(conn, table):
            hidden = "rowid AS _rowid, "
        # no ORDER BY: the order a plain SELECT returns is one of the reader's orders
        return [dict(r) for r in conn.execute(text(f'SELECT {hidden}* FROM "{table}"')).mappings()]

    def _has_rowid(self, conn, table: str) -> bool:
        try:
            conn.execute(text(f'SELECT rowid FROM "{table}" LIMIT 1')).all()
            return True
        except Exception:
            conn.rollback()
            return False

    def _sequences(self, conn) -> dict[str, int]:
        if self.pg:
            return {name: value for name, value in conn.execute(text(
                "SELECT sequencename, last_value FROM pg_sequences"))}
        if "sqlite_sequence" in self.tables:
            return {name: value for name, value in conn.execute(text("SELECT name, seq FROM sqlite_sequence"))}
        return {}

    # --- the rows of this session ---------------------------------------------------------

    def anonymous(self, row: Row) -> dict | None:
        """The stored row a ``Row`` of the truth is (None: not found)."""
        for stored in self._of_group(row.group, row.table):
            if row.table == "answers" and stored["text"] == row.key:
                return stored
            if row.table == "checkin_answers" and stored["feeling"] == row.key:
                return stored
        return None

    def _of_group(self, group: str, table: str) -> list[dict]:
        sid = self.truth.session_id
        if table == "checkin_answers":
            return [r for r in self.everything["checkin_answers"] if self.rounds.get(r["round_id"]) == group]
        rows = [r for r in self.everything["answers"] if r["session_id"] == sid]
        if group == "takeaway":
            return [r for r in rows if r["kind"] == "takeaway"]
        return [r for r in rows if str(r["session_card_id"]) == group.removeprefix("card:")]

    def participants(self) -> list[dict]:
        return [r for r in self.everything["participants"] if r["id"] in self.truth.people]

    # --- references --------------------------------------------------------------------------

    def references(self) -> list[str]:
        """Rows outside attendance that name a participant, by id, ``p:<id>`` or name, or
        that hold an anonymous row's words next to anything."""
        found = []
        names = {pid: name for pid, name in self.truth.people.items() if name}
        words = {r.key for r in self.truth.rows if r.table == "answers"}
        for table, rows in self.everything.items():
            if table in ATTENDANCE:
                continue
            for row in rows:
                values = {k: v for k, v in row.items() if not k.startswith("_")}
                flat = json.dumps(values, default=str)
                for pid, name in names.items():
                    named_answer = table == "answers" and values.get("author_participant_id") == pid
                    for column, value in values.items():
                        if "participant" in column and value == pid and not named_answer:
                            found.append(f"{table}.{column} = participant {pid}")
                    if re.search(rf"\bp:{pid}\b", flat):
                        found.append(f"{table} holds p:{pid}")
                    if name in flat and not named_answer:
                        found.append(f"{table} holds the name of participant {pid}")
                if table != "answers":
                    found += [f"{table} repeats an answer's words" for w in words if w in flat]
        return found

    # --- orders --------------------------------------------------------------------------------

    def row_orders(self, rows: list[dict]) -> dict[str, list[dict]]:
        """Every order a reader could put a round's rows in: as returned, and by each column."""
        orders = {"as returned": list(rows)}
        for column in (rows[0].keys() if rows else []):
            key = (lambda r, c=column: _ctid(r[c])) if column == "_ctid" else (lambda r, c=column: str(r[c]))
            if column in ("_xmin", "_cmin", "_rowid"):
                key = (lambda r, c=column: r[c])
            orders[f"by {column}"] = sorted(rows, key=key)
        return orders

    def person_orders(self) -> dict[str, list[int]]:
        """Every order a reader could put the people in: their attendance rows as returned
        and by each column, and by any row elsewhere that still names them."""
        people = self.participants()
        orders = {f"participants {name}": [r["id"] for r in order]
                  for name, order in self.row_orders(people).items()}
        for table, rows in self.everything.items():
            naming = [r for r in rows if _person_of(r) in self.truth.people]
            if table in ATTENDANCE or not naming:
                continue
            for name, order in self.row_orders(naming).items():
                orders[f"{table} {name}"] = list(dict.fromkeys(_person_of(r) for r in order))
        orders.update({f"{name}, reversed": list(reversed(o)) for name, o in list(orders.items())})
        return orders


def attack(url: str, truth: Truth, groups: set[str] | None = None) -> tuple[list[Attempt], list[str], Reader]:
    """Every attempt on the rows of ``truth`` (or only those of ``groups``); returns the
    attempts, the references found, and the reader (for further looks)."""
    reader = Reader(url, truth)
    rows = [r for r in truth.rows if groups is None or r.group in groups]
    stored = {r: reader.anonymous(r) for r in rows}
    missing = [r for r, s in stored.items() if s is None]
    assert not missing, f"rows not found as written: {missing}"
    n = len(truth.people)
    chance = [1 / n] * len(rows)
    attempts: list[Attempt] = []

    def score(name: str, guess: dict[Row, int | None]) -> None:
        hits = sum(1 for r in rows if guess.get(r) == r.author)
        attempts.append(Attempt(name, hits, len(rows), _tail(chance, hits)))

    by_group: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        by_group.setdefault((r.table, r.group), []).append(r)
    person_orders = reader.person_orders()
    ident = {id(s): r for r, s in stored.items()}
    row_order_names = None
    for person_name, people in person_orders.items():
        guesses: dict[str, dict[Row, int | None]] = {}
        for (table, group), members in by_group.items():
            round_rows = reader._of_group(group, table)
            for order_name, ordered in reader.row_orders(round_rows).items():
                row_order_names = row_order_names or order_name
                guess = guesses.setdefault(order_name, {})
                mine = [ident[id(s)] for s in ordered if id(s) in ident]
                for position, r in enumerate(mine):
                    guess[r] = people[position] if position < len(people) else None
        for order_name, guess in guesses.items():
            score(f"zip: rows {order_name} / people {person_name}", guess)
        # all of the session's answers in one storage order, dealt out over the people in turn
        answers = [s for r, s in stored.items() if r.table == "answers"]
        for order_name, ordered in reader.row_orders(answers).items():
            deal = {ident[id(s)]: people[i % len(people)] for i, s in enumerate(ordered)}
            score(f"deal: answers {order_name} / people {person_name}", deal)
    if reader.pg:
        stamps: dict[int, set[int]] = {}
        for table, table_rows in reader.everything.items():
            for row in table_rows:
                for column in ("participant_id", "author_participant_id", "id"):
                    pid = row.get(column)
                    if pid in truth.people and (column != "id" or table == "participants"):
                        stamps.setdefault(row["_xmin"], set()).add(pid)
        same = {r: next(iter(stamps[s["_xmin"]])) if len(stamps.get(s["_xmin"], ())) == 1 else None
                for r, s in stored.items()}
        score("stamp: the one person whose rows share the transaction", same)
        ordered_stamps = sorted(stamps)
        nearest = {}
        for r, s in stored.items():
            before = [x for x in ordered_stamps if x < s["_xmin"]]
            nearest[r] = min(stamps[before[-1]]) if before else None
        score("stamp: the person whose rows were written just before", nearest)
    return attempts, reader.references(), reader


def assert_chance(attempts: list[Attempt], references: list[str]) -> None:
    assert not references, f"rows still name people: {sorted(set(references))[:20]}"
    assert attempts
    beaten = [a for a in attempts if a.p_value < ALPHA]
    assert not beaten, "re-identified better than chance: " + "; ".join(
        f"{a.name}: {a.hits}/{a.tries} (p={a.p_value:.1e})" for a in beaten[:10])


def letters(rng) -> str:
    """A distinct lowercase word for a test answer: no digits, which the identifier guard
    could take for a phone or record number and hold back."""
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(12))
