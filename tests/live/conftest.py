import pytest

from tests.servers import prepared_server

MODES = ["eventlet", "gevent"]


@pytest.fixture(params=MODES)
def live_server(request, tmp_path):
    server = prepared_server(request.param, tmp_path).start()
    yield server
    server.stop()
