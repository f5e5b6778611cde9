"""reflect/static_delivery.py through Flask's test client: versioned static URLs cached for a
year, module imports that carry their versions, gzip once, 304s, and pages compressed
only for same-origin or direct requests."""
from __future__ import annotations

import gzip
import re

import pytest

from reflect import create_app


@pytest.fixture
def client(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "REFLECT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                      "REFLECT_ASYNC_MODE": "threading", "REFLECT_SECRET_KEY": "assets"})
    with app.test_request_context():
        from reflect.static_delivery import static_url

        urls = {name: static_url(name) for name in ("js/phone.js", "js/live.js", "css/app.css",
                                                     "vendor/socket.io-4.8.4/socket.io.esm.min.js")}
    client = app.test_client()
    client.urls = urls
    return client


def test_a_versioned_static_file_is_cached_for_a_year_and_gzipped_once(client):
    url = client.urls["css/app.css"]
    assert re.fullmatch(r"/static/css/app\.css\?v=[0-9a-f]{12}", url)
    first = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["Vary"] == "Accept-Encoding"  # never Cookie: the file is the same for all
    assert b"--tap" in gzip.decompress(first.data)
    again = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert again.data == first.data  # compressed once, kept
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers and plain.data == gzip.decompress(first.data)
    unversioned = client.get("/static/css/app.css")
    assert unversioned.headers["Cache-Control"] == "no-cache"
    stale = client.get("/static/css/app.css?v=000000000000")
    assert stale.headers["Cache-Control"] == "no-cache"
    etag = first.headers["ETag"]
    assert client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag}).status_code == 304


def test_modules_import_each_other_by_versioned_url(client):
    phone = client.get(client.urls["js/phone.js"]).get_data(as_text=True)
    live = client.get(client.urls["js/live.js"]).get_data(as_text=True)
    assert f'from "./live.js?v={client.urls["js/live.js"].split("=")[1]}"' in phone
    socket_version = client.urls["vendor/socket.io-4.8.4/socket.io.esm.min.js"].split("=")[1]
    assert f'socket.io.esm.min.js?v={socket_version}"' in live
    # what the page preloads is exactly what the modules import
    assert client.get(client.urls["js/phone.js"]).headers["Content-Type"].startswith("text/javascript")


def test_static_files_outside_the_folder_or_missing_are_not_found(client):
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/js/nothing-here.js").status_code == 404


def test_pages_are_gzipped_unless_another_site_asked(client):
    direct = client.get("/join", headers={"Accept-Encoding": "gzip", "Sec-Fetch-Site": "none"})
    assert direct.headers["Content-Encoding"] == "gzip"
    assert b"csrf_token" in gzip.decompress(direct.data)
    old_browser = client.get("/join", headers={"Accept-Encoding": "gzip"})
    assert old_browser.headers["Content-Encoding"] == "gzip"
    cross = client.get("/join?code=ABCD", headers={"Accept-Encoding": "gzip", "Sec-Fetch-Site": "cross-site"})
    assert "Content-Encoding" not in cross.headers and b"csrf_token" in cross.data
    assert "Accept-Encoding" in cross.headers["Vary"]
    no_gzip = client.get("/join")
    assert "Content-Encoding" not in no_gzip.headers
    page = client.get("/join", headers={"Sec-Fetch-Site": "none"}).get_data(as_text=True)
    assert re.search(r'href="/static/css/app\.css\?v=[0-9a-f]{12}"', page)
