"""One log line when a dependency stops answering and one when it is back; and the
start-up check's words, which never show a password."""
from __future__ import annotations

import logging

from reflect import dependencies
from reflect.outage import Outage
from tests.servers import free_port


def test_an_outage_is_logged_once_and_its_end_once_with_the_count(caplog):
    outage = Outage(logging.getLogger("reflect.test"), "thing", "REFLECT_THING")
    with caplog.at_level(logging.INFO, logger="reflect.test"):
        assert outage.recovered() is False  # nothing was down
        assert outage.failed(ConnectionError(), "doing it") is True
        assert [outage.failed(ConnectionError()) for _ in range(50)] == [False] * 50
        assert outage.recovered() is True
        assert outage.recovered() is False
        assert outage.failed(TimeoutError()) is True  # a new outage
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3, lines
    assert "thing unavailable (ConnectionError) while doing it" in lines[0] and "REFLECT_THING" in lines[0]
    assert lines[1] == "thing available again after 51 failed attempts"
    assert "thing unavailable (TimeoutError)" in lines[2]


def test_a_redis_that_does_not_answer_is_named_with_its_setting_and_no_password():
    nobody = f"redis://user:s3cret@127.0.0.1:{free_port()}/2"
    problems = dependencies.unreachable({"REFLECT_MESSAGE_QUEUE": nobody, "REFLECT_RATELIMIT_STORAGE_URL": None})
    assert len(problems) == 2, problems
    assert problems[0].startswith("REFLECT_MESSAGE_QUEUE=redis://user:***@127.0.0.1:")
    assert problems[1].startswith("REFLECT_RATELIMIT_STORAGE_URL (not set: the message queue's Redis)=")
    assert all("s3cret" not in p and "Redis does not answer (ConnectionError)" in p for p in problems)
    assert dependencies.unreachable({"REFLECT_MESSAGE_QUEUE": None, "REFLECT_RATELIMIT_STORAGE_URL": None}) == []
