"""A real server process, under eventlet and under gevent."""
import re
import urllib.error
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url):
    opener = urllib.request.build_opener(NoRedirect)
    try:
        return opener.open(url, timeout=10)
    except urllib.error.HTTPError as err:
        return err


def test_fresh_server_leads_to_first_run_and_logs_the_token(live_server):
    response = fetch(live_server.url + "/")
    assert response.status == 302 and response.headers["Location"].endswith("/setup")
    assert fetch(live_server.url + "/setup").status == 200
    assert re.search(r"/setup\?token=\S+", live_server.log())
    assert f"async mode: {live_server.mode}" in live_server.log()


def test_the_server_runs_the_configured_async_mode_only(live_server):
    # The log line is written by the server after checking Socket.IO's own mode.
    assert "async mode: threading" not in live_server.log()
    other = {"eventlet": "gevent", "gevent": "eventlet"}[live_server.mode]
    assert f"async mode: {other}" not in live_server.log()


def test_create_user_command_reads_the_password_from_stdin(live_server):
    done = live_server.cli("create-user", "--email", "f@example.org", "--role", "facilitator",
                           "--password-stdin", input="a long enough password\n")
    assert done.returncode == 0, done.stderr
    again = live_server.cli("create-user", "--email", "f@example.org", "--role", "facilitator",
                            "--password-stdin", input="a long enough password\n")
    assert again.returncode != 0 and "already has an account" in again.stderr
