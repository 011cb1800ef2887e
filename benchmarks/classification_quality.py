"""How well the machine classification of cases agrees with people reading them.

``benchmarks/data/case_labels.jsonl`` holds 144 cases labelled by reading their descriptions
(before any rule was written), split into a development half, on which the cue phrases of
``cityweave/catalogue/classification_rules.py`` were written, and a held-out half that no rule
was tuned on. This reports precision and recall per challenge area and per family of NBS types
on the held-out half (``--split development`` for the other).

    .venv/bin/python benchmarks/classification_quality.py [--split held_out|development|all]
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from pathlib import Path

from cityweave.catalogue.classification import FAMILY_OF_TYPE, classify

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "benchmarks/data/case_labels.jsonl"
DATA = ROOT / "cityweave/data/nbs_cases_naturescapes_una"
TARGET_PRECISION, TARGET_RECALL = 0.8, 0.7


def _text(value: str) -> str:
    return "" if value.strip() == "NA" else value.strip()


def load_cases() -> dict[str, dict[str, str]]:
    with (DATA / "una_nbs_sites_descriptions.csv").open(encoding="utf-8") as handle:
        descriptions = {row["id"]: row["description"] for row in csv.DictReader(handle)}
    with (DATA / "una_nbs_sites_scores.csv").open(encoding="utf-8") as handle:
        sites = {row["ID"]: row for row in csv.DictReader(handle)}
    return {
        site_id: {
            "title": row["Name (short English title)"],
            "native_title": _text(row["Native language title"]),
            "description": descriptions.get(site_id, ""),
        }
        for site_id, row in sites.items()
    }


def scores(split: str) -> dict[str, dict[str, tuple[int, int, int]]]:
    """Per vocabulary and term: (true positives, false positives, false negatives)."""
    cases = load_cases()
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    with LABELS.open(encoding="utf-8") as handle:
        labels = [json.loads(line) for line in handle if line.strip()]
    for label in labels:
        if split != "all" and label["split"] != split:
            continue
        found = classify(**cases[label["id"]])
        predicted = {
            "challenge": {a.code for a in found if a.vocabulary == "challenge"},
            "nbs_family": {FAMILY_OF_TYPE[a.code] for a in found if a.vocabulary == "nbs_type"},
        }
        truth = {
            "challenge": set(label["challenges"]),
            "nbs_family": {FAMILY_OF_TYPE[slug] for slug in label["nbs_types"]},
        }
        for vocabulary in predicted:
            for code in predicted[vocabulary] | truth[vocabulary]:
                row = counts[vocabulary][code]
                hit_p, hit_t = code in predicted[vocabulary], code in truth[vocabulary]
                row[0] += hit_p and hit_t
                row[1] += hit_p and not hit_t
                row[2] += hit_t and not hit_p
    return {v: {c: (r[0], r[1], r[2]) for c, r in terms.items()} for v, terms in counts.items()}


def _ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


def report(split: str) -> int:
    below = 0
    for vocabulary, terms in scores(split).items():
        print(f"\n{vocabulary} ({split})")
        print(f"{'term':36} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}")
        for code, (tp, fp, fn) in sorted(terms.items()):
            precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
            flag = ""
            if vocabulary == "challenge" and not (
                precision >= TARGET_PRECISION and recall >= TARGET_RECALL
            ):
                flag, below = " below target", below + 1
            print(f"{code:36} {precision:9.2f} {recall:7.2f} {tp:4} {fp:4} {fn:4}{flag}")
        tp, fp, fn = (sum(t[i] for t in terms.values()) for i in range(3))
        print(f"{'micro-average':36} {_ratio(tp, tp + fp):9.2f} {_ratio(tp, tp + fn):7.2f}")
    print(f"\nchallenges below {TARGET_PRECISION} precision / {TARGET_RECALL} recall: {below}")
    return below


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="held_out", choices=["held_out", "development", "all"])
    report(parser.parse_args().split)
