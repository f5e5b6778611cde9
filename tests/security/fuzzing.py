"""Hypothesis strategies and checks shared by the fuzz tests."""
from __future__ import annotations

import logging

from hypothesis import HealthCheck, example, settings
from hypothesis import strategies as st

# Bounded: the whole folder must run in a few minutes on two cores.
FUZZ = settings(max_examples=30, deadline=None, database=None, derandomize=False,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.filter_too_much, HealthCheck.data_too_large])

# Any text a browser can send, lone surrogates included (JSON.stringify escapes them as \udXXX).
SURROGATE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
TEXT = st.one_of(
    st.text(max_size=30),
    st.tuples(st.text(max_size=8), SURROGATE, st.text(max_size=8)).map("".join),
    st.sampled_from(["", " ", "\x00", "<script>alert(1)</script>", "' OR 1=1 --", "${jndi:x}", "{{7*7}}",
                     "\u202e", "😀" * 50, "x" * 700, "a" * 6000, "ended", "reflect", "opening", "group",
                     "facilitator", "en", "es", "next", "jump"]),
)
INTS = st.one_of(st.integers(min_value=-10, max_value=1000), st.integers(),
                 st.sampled_from([0, -1, 2**31, 2**63, 2**64 + 1, -(2**63) - 1, 10**30]))
LEAF = st.one_of(st.none(), st.booleans(), INTS, st.floats(allow_nan=False, allow_infinity=False), TEXT)
JSON = st.recursive(LEAF, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=8)


def payloads(keys: list[str], valid: dict | None = None):
    """Arbitrary JSON values, dicts of the event's own keys with wrong values, and the
    valid payload with one key changed, dropped or added."""
    key = st.sampled_from(keys + ["extra", "__proto__", "cid"]) if keys else st.sampled_from(["extra", "cid"])
    known = st.dictionaries(key, JSON, max_size=len(keys) + 2)
    strategies = [JSON, known]
    if valid:
        # most examples: the valid payload with one of its own values wrong
        own = st.sampled_from(sorted(valid)) if valid else key
        key = st.one_of(own, own, own, key)
        def mutate(change):
            kind, name, value = change
            out = dict(valid)
            if kind == "set":
                out[name] = value
            elif kind == "drop":
                out.pop(name, None)
            return out

        value = st.one_of(LEAF, LEAF, JSON)
        mutated = st.tuples(st.sampled_from(["set", "set", "set", "drop"]), key, value).map(mutate)
        strategies += [mutated, mutated, mutated]
    return st.one_of(*strategies)


EDGE_VALUES = ["ok \udfff", None, [], {}, 2**64, -1, "", "x" * 70_000]


def edge_examples(valid: dict | None, arg: str = "payload"):
    """Decorator: run the test first on the valid payload with each of its values, one at
    a time, replaced by each edge value (then Hypothesis explores at random)."""
    def decorate(test):
        if not valid:
            return example(**{arg: {}})(example(**{arg: None})(example(**{arg: "\ud800"})(test)))
        for name in sorted(valid):
            for value in EDGE_VALUES:
                test = example(**{arg: {**valid, name: value}})(test)
        return example(**{arg: valid})(test)

    return decorate


class Errors(logging.Handler):
    """Collects ERROR records of every logger while installed."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def __enter__(self):
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger().removeHandler(self)

    def messages(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()}" for r in self.records]
