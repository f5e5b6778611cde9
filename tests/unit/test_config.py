import os
import stat

import pytest

from reflect import config


def test_defaults_when_nothing_is_set():
    settings = config.from_environment({})
    assert settings["REFLECT_ASYNC_MODE"] == "eventlet"
    assert settings["REFLECT_MIN_GROUP_SIZE"] == 3
    assert settings["REFLECT_DATABASE_URL"] is None


def test_environment_values_are_parsed():
    settings = config.from_environment({"REFLECT_MIN_GROUP_SIZE": "5", "REFLECT_ASYNC_MODE": "gevent"})
    assert settings["REFLECT_MIN_GROUP_SIZE"] == 5
    assert settings["REFLECT_ASYNC_MODE"] == "gevent"


def test_a_number_setting_with_letters_is_a_clear_error():
    with pytest.raises(config.ConfigError, match="REFLECT_MIN_GROUP_SIZE"):
        config.from_environment({"REFLECT_MIN_GROUP_SIZE": "three"})


@pytest.mark.parametrize(
    "override, message",
    [
        ({"REFLECT_ASYNC_MODE": "tornado"}, "REFLECT_ASYNC_MODE"),
        ({"REFLECT_ALLOWED_ORIGINS": "*"}, "explicitly"),
        ({"REFLECT_ALLOWED_ORIGINS": " , "}, "explicitly"),
        ({"REFLECT_MIN_GROUP_SIZE": 1}, "at least 2"),
        ({"REFLECT_DATABASE_POOL_TIMEOUT": 0}, "REFLECT_DATABASE_POOL_TIMEOUT"),
        ({"REFLECT_DATABASE_POOL_TIMEOUT": 600}, "REFLECT_DATABASE_POOL_TIMEOUT"),
    ],
)
def test_unsafe_settings_are_refused(override, message):
    settings = config.from_environment({})
    settings.update(override)
    with pytest.raises(config.ConfigError, match=message):
        config.check(settings)


def test_origins_are_a_trimmed_list():
    assert config.allowed_origins("https://a.org/, http://b.org") == ["https://a.org", "http://b.org"]


def test_postgres_urls_use_a_driver_that_cooperates_with_green_threads():
    assert config.normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert config.normalise_database_url("postgres://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert config.normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_secret_key_is_created_once_private_and_random(tmp_path):
    first = config.instance_secret_key(str(tmp_path))
    second = config.instance_secret_key(str(tmp_path))
    other = config.instance_secret_key(str(tmp_path / "other"))
    assert first == second and len(first) == 64
    assert other != first
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_rate_limits_are_shared_through_the_redis_message_queue():
    settings = config.from_environment({"REFLECT_MESSAGE_QUEUE": "redis://127.0.0.1:6379/0"})
    assert config.ratelimit_storage(settings) == "redis://127.0.0.1:6379/0"
    assert config.ratelimit_storage(config.from_environment({})) == "memory://"
    explicit = config.from_environment({"REFLECT_RATELIMIT_STORAGE_URL": "redis://other:6379/1",
                                        "REFLECT_MESSAGE_QUEUE": "redis://127.0.0.1:6379/0"})
    assert config.ratelimit_storage(explicit) == "redis://other:6379/1"
