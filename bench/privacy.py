"""Benchmark for the privacy scanner on the labelled corpus.

Corpus: ``bench/privacy_corpus.tsv``, one reflection per line:
``lang<TAB>expected_categories<TAB>text`` where expected_categories is a
comma-separated list of categories or ``-`` for none.  Lines starting with
``#`` are comments.

Scoring is line-level: for each line the *set* of predicted categories is
compared with the expected set, giving a TP/FP/FN per category.

Run ``python bench/privacy.py`` to print a table and the JSON summary, or call
:func:`run` from another benchmark driver.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
CORPUS_PATH = BENCH_DIR / "privacy_corpus.tsv"

if __package__ in (None, ""):
    # Allow "python bench/privacy.py" from a checkout without installing.
    sys.path.insert(0, str(BENCH_DIR.parent))

from reflect.privacy import CATEGORIES, scan  # noqa: E402


def load_corpus(path: Path = CORPUS_PATH) -> list[tuple[str, frozenset[str], str]]:
    """Return ``(lang, expected_categories, text)`` rows."""
    rows = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = raw.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{path}:{lineno}: expected 3 tab-separated columns")
        lang, cats, text = parts
        expected = frozenset() if cats.strip() == "-" else frozenset(c.strip() for c in cats.split(","))
        unknown = expected - set(CATEGORIES)
        if unknown:
            raise ValueError(f"{path}:{lineno}: unknown categories {sorted(unknown)}")
        rows.append((lang, expected, text))
    return rows


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def evaluate(rows, scanner=scan) -> dict:
    """Line-level per-category precision/recall plus timing."""
    counts = {c: {"tp": 0, "fp": 0, "fn": 0} for c in CATEGORIES}
    mistakes = []
    elapsed = 0.0
    for lang, expected, text in rows:
        t0 = time.perf_counter()
        result = scanner(text)
        elapsed += time.perf_counter() - t0
        predicted = set(result.categories)
        for c in CATEGORIES:
            if c in predicted and c in expected:
                counts[c]["tp"] += 1
            elif c in predicted:
                counts[c]["fp"] += 1
            elif c in expected:
                counts[c]["fn"] += 1
        if predicted != expected:
            mistakes.append((lang, sorted(expected), sorted(predicted), text))

    per_category = {}
    for c, k in counts.items():
        per_category[c] = {
            "precision": round(_ratio(k["tp"], k["tp"] + k["fp"]), 4),
            "recall": round(_ratio(k["tp"], k["tp"] + k["fn"]), 4),
            "support": k["tp"] + k["fn"],
        }
    tp = sum(k["tp"] for k in counts.values())
    fp = sum(k["fp"] for k in counts.values())
    fn = sum(k["fn"] for k in counts.values())
    return {
        "per_category": per_category,
        "overall": {
            "precision": round(_ratio(tp, tp + fp), 4),
            "recall": round(_ratio(tp, tp + fn), 4),
        },
        "lines": len(rows),
        "mean_us_per_text": round(elapsed / max(len(rows), 1) * 1e6, 1),
        "_mistakes": mistakes,
    }


def run() -> dict:
    """Benchmark entry point (``python -m bench --part privacy``): prints the
    table and returns ``{"privacy": {...}}``."""
    rows = load_corpus()
    scan("warm up Sofía 3/14/2022")  # compile/caches outside the timing
    report = evaluate(rows)
    report.pop("_mistakes")
    _print_table(report)
    return {"privacy": report}


def _print_table(report: dict) -> None:
    print(f"{'category':<15}{'precision':>10}{'recall':>10}{'support':>9}")
    for c, m in report["per_category"].items():
        print(f"{c:<15}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['support']:>9}")
    o = report["overall"]
    print(f"{'overall':<15}{o['precision']:>10.3f}{o['recall']:>10.3f}")
    print(f"lines: {report['lines']}   mean: {report['mean_us_per_text']} us/text")


def main(argv: list[str]) -> int:
    rows = load_corpus()
    scan("warm up Sofía 3/14/2022")
    report = evaluate(rows)
    mistakes = report.pop("_mistakes")
    if "-v" in argv or "--verbose" in argv:
        for lang, exp, pred, text in mistakes:
            print(f"[{lang}] expected={','.join(exp) or '-'} predicted={','.join(pred) or '-'}\n    {text}")
        print()
    _print_table(report)
    print(json.dumps({"privacy": report}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
