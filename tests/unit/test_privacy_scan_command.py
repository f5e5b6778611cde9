"""`reflect privacy-scan`: one text per line in, one JSON object per line out."""
import json
import subprocess
import sys


def test_privacy_scan_reads_lines_and_writes_json_lines():
    texts = ["Mom Sarah called me at 555-123-4567", "The mom seemed tired after Head Start today",
             "La mamá de Sofía nació el 14 de marzo de 1990"]
    done = subprocess.run([sys.executable, "-m", "reflect", "privacy-scan"], input="\n".join(texts) + "\n",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(results) == 3
    assert results[0]["flagged"] and {"name", "phone"} <= set(results[0]["categories"])
    start, end, category = next(s for s in results[0]["spans"] if s[2] == "phone")
    assert texts[0][start:end] == "555-123-4567"
    assert results[1] == {"flagged": False, "categories": [], "spans": []}
    assert results[2]["flagged"] and {"name", "date"} <= set(results[2]["categories"])
