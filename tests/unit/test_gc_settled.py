"""The server freezes what it built at start-up out of the cycle collector's walks and
leaves full collections, which walk every connected socket, for rarely
(reflect.server.settle_garbage_collector)."""
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
from reflect.server import settle_garbage_collector
before = gc.get_freeze_count()
settle_garbage_collector()
print(json.dumps({"before": before, "after": gc.get_freeze_count(), "thresholds": gc.get_threshold()}))
"""


def test_start_up_objects_are_frozen_and_full_collections_are_rare():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["before"] == 0 and result["after"] > 10_000  # the app and its libraries
    young, middle, full = result["thresholds"]
    assert young <= 1000  # young collections stay short: CPython's default is 700
    # a middle-aged collection walks what survived the young ones since the last: after
    # every 2 or 3 of them, in short slices (CPython's default is 10)
    assert middle <= 3
    # and a full walk of every socket's objects waits for 10,000 young collections or
    # more (CPython's default: 100)
    assert full * middle >= 10_000
