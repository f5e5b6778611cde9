"""A newcomer's first steps: `reflect seed-demo` on a new database migrates it first;
`reflect db upgrade` says what it applied; the first-run log line gives the whole address
the server listens on (never one built from the request's Host); supervisors are assigned
to groups from the People page."""
from __future__ import annotations

import logging
import re

from tests.helpers import sign_in_as
from tests.servers import Server


def test_db_upgrade_says_what_it_applied_and_seed_demo_migrates_a_new_database(tmp_path):
    fresh = Server(mode="eventlet", instance=tmp_path / "instance", database_url=f"sqlite:///{tmp_path / 'new.db'}")
    done = fresh.cli("db", "upgrade")
    assert done.returncode == 0, done.stderr
    applied = re.search(r"Applied (\d+) migration\(s\): (.*)\. Database is up to date\.", done.stdout)
    assert applied and applied.group(2).startswith("0001, 0002") and int(applied.group(1)) >= 8, done.stdout
    again = fresh.cli("db", "upgrade")
    assert again.stdout.strip() == "Database is up to date: no migration to apply."

    other = Server(mode="eventlet", instance=tmp_path / "other", database_url=f"sqlite:///{tmp_path / 'demo.db'}")
    seeded = other.cli("seed-demo", "--groups", "1", "--sessions-per-group", "1")
    assert seeded.returncode == 0, seeded.stderr
    assert "migrating it first" in seeded.stdout and "Demo data: 1 groups" in seeded.stdout
    assert "no such table" not in seeded.stderr


def test_the_first_run_line_gives_the_whole_address_where_the_server_listens(app, client, caplog):
    app.config["REFLECT_SERVING_AT"] = "http://127.0.0.1:5000"  # as `reflect run` sets it
    with caplog.at_level(logging.WARNING, logger="reflect.auth"):
        assert client.get("/setup", headers={"Host": "evil.example"}).status_code == 200
    assert re.search(r"Create the admin at http://127\.0\.0\.1:5000/setup\?token=\S+", caplog.text), caplog.text
    assert "evil.example" not in caplog.text


def test_the_people_page_leads_to_assigning_supervisors_to_groups(app, client):
    sign_in_as(app, client, "admin", "admin@example.org")
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'href="/review/assignments"' in page
    assert "Assign supervisors to groups" in page
