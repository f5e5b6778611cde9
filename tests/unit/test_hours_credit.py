"""The credit rule (reflect/hours/credit.py), as docs/hours.md states it."""
from __future__ import annotations

from datetime import datetime, timedelta

from reflect.hours.credit import Phone, credited_interval, hours_of

START = datetime(2025, 3, 4, 17, 0)
END = START + timedelta(minutes=90)
MIN = timedelta(minutes=1)


def credit(*phones):
    return credited_interval(START, END, list(phones), threshold=10 * MIN, grace=timedelta(seconds=20))


def test_present_throughout_is_the_whole_held_time():
    assert credit(Phone(START - 5 * MIN, None)) == (START, END)


def test_arriving_within_the_threshold_counts_from_the_start_and_past_it_from_arrival():
    assert credit(Phone(START + 10 * MIN, None)) == (START, END)
    assert credit(Phone(START + 11 * MIN, None)) == (START + 11 * MIN, END)


def test_leaving_early_past_the_threshold_ends_the_credit_there():
    assert credit(Phone(START, END - 10 * MIN)) == (START, END)
    assert credit(Phone(START, END - 30 * MIN)) == (START, END - 30 * MIN)


def test_a_phone_reconnecting_at_the_end_or_gone_after_it_has_not_left():
    # dropped within the grace period of the end: still reconnecting when it ended
    assert credit(Phone(START, END - timedelta(seconds=10))) == (START, END)
    assert credit(Phone(START, END + 5 * MIN)) == (START, END)


def test_several_phones_count_once_from_the_first_arrival_to_the_last_departure():
    phones = (Phone(START + 20 * MIN, END - 40 * MIN), Phone(START + 30 * MIN, None))
    assert credit(*phones) == (START + 20 * MIN, END)


def test_no_phone_or_nothing_left_gives_no_credit():
    assert credit() is None
    assert credit(Phone(START + 80 * MIN, START + 60 * MIN)) is None


def test_hours_are_rounded_half_up_to_hundredths():
    assert str(hours_of(61 * 60)) == "1.02"
    assert str(hours_of(90 * 60)) == "1.50"
    assert str(hours_of(18)) == "0.01"  # 0.005 h rounds up
