"""The per-socket event counter: a sliding window over two fixed windows."""
from __future__ import annotations

from reflect.rooms import event_limit
from reflect.rooms.event_limit import SlidingWindowCounter


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_up_to_the_limit_is_allowed_and_the_next_refused_without_being_counted():
    clock = Clock()
    counter = SlidingWindowCounter(clock)
    assert [counter.hit("a", 3, 10) for _ in range(3)] == [True, True, True]
    assert counter.hit("a", 3, 10) is False
    assert counter.hit("a", 3, 10) is False
    # another socket has its own count
    assert counter.hit("b", 3, 10) is True


def test_the_previous_window_counts_for_the_part_still_in_view():
    clock = Clock(1000.0)  # the start of a window
    counter = SlidingWindowCounter(clock)
    assert all(counter.hit("a", 4, 10) for _ in range(4))
    clock.now = 1012.5  # a quarter into the next window: 3/4 of the previous 4 still count
    assert counter.hit("a", 4, 10) is True  # 3 + 0 + 1 <= 4
    assert counter.hit("a", 4, 10) is False  # 3 + 1 + 1 > 4
    clock.now = 1017.5  # three quarters in: 1/4 of 4 = 1, plus the 1 counted here
    assert counter.hit("a", 4, 10) is True  # 1 + 1 + 1 <= 4
    assert counter.hit("a", 4, 10) is True  # 1 + 2 + 1 <= 4
    assert counter.hit("a", 4, 10) is False


def test_a_quiet_socket_starts_again_from_nothing():
    clock = Clock(1000.0)
    counter = SlidingWindowCounter(clock)
    assert all(counter.hit("a", 2, 10) for _ in range(2))
    assert counter.hit("a", 2, 10) is False
    clock.now = 1025.0  # two windows later: nothing before counts
    assert counter.hit("a", 2, 10) is True
    assert counter.hit("a", 2, 10) is True
    assert counter.hit("a", 2, 10) is False


def test_a_forgotten_socket_leaves_nothing_behind():
    counter = SlidingWindowCounter(Clock())
    counter.hit("a", 5, 10)
    counter.forget("a")
    counter.forget("never-seen")
    assert counter._counts == {}


def test_entries_are_bounded_when_disconnects_are_missed(monkeypatch):
    monkeypatch.setattr(event_limit, "MAX_KEYS", 10)
    clock = Clock(1000.0)
    counter = SlidingWindowCounter(clock)
    for n in range(10):
        counter.hit(f"old{n}", 5, 10)
    clock.now = 1030.0  # the old entries are stale
    counter.hit("new", 5, 10)
    assert set(counter._counts) == {"new"}
    for n in range(20):  # all recent: the oldest go first
        counter.hit(f"recent{n}", 5, 10)
    assert len(counter._counts) <= 10 and "recent19" in counter._counts
