"""The server freezes what it built at start-up out of the cycle collector's walks and
runs the collector less often (reflect.server.settle_garbage_collector)."""
from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = r"""
import gc, json
from reflect import create_app
import tempfile
app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(), "REFLECT_ASYNC_MODE": "threading",
                  "REFLECT_SECRET_KEY": "gc-test"})
from reflect.server import GC_THRESHOLD, settle_garbage_collector
before = gc.get_freeze_count()
settle_garbage_collector()
print(json.dumps({"before": before, "after": gc.get_freeze_count(), "threshold": gc.get_threshold()[0],
                  "wanted": GC_THRESHOLD}))
"""


def test_start_up_objects_are_frozen_and_the_collector_runs_less_often():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["before"] == 0 and result["after"] > 10_000  # the app and its libraries
    assert result["threshold"] == result["wanted"] > 700  # CPython's default is 700
