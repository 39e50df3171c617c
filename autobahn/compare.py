#!/usr/bin/env python3
"""Compares an Autobahn fuzzingclient report with the expected results.

    compare.py REPORT_INDEX_JSON EXPECTED_JSON           exit 1 on any difference
    compare.py --write REPORT_INDEX_JSON EXPECTED_JSON   rewrite the expectations

EXPECTED_JSON maps each case id to {"behavior", "behaviorClose"}. A case
missing on either side, or any field that differs, is a difference.
"""
import json
import sys


def case_key(case):
    return [int(part) for part in case.split(".")]


def load_report(path):
    index = json.load(open(path))
    if len(index) != 1:
        sys.exit(f"expected one agent in {path}, found {sorted(index)}")
    (cases,) = index.values()
    return {
        case: {"behavior": r["behavior"], "behaviorClose": r["behaviorClose"]}
        for case, r in cases.items()
    }


def main(argv):
    write = argv[:1] == ["--write"]
    if write:
        argv = argv[1:]
    report_path, expected_path = argv
    got = load_report(report_path)
    ordered = {case: got[case] for case in sorted(got, key=case_key)}
    if write:
        with open(expected_path, "w") as f:
            json.dump(ordered, f, indent=1)
            f.write("\n")
        print(f"autobahn: wrote {len(ordered)} cases to {expected_path}")
        return 0
    expected = json.load(open(expected_path))
    differences = []
    for case in sorted(set(got) | set(expected), key=case_key):
        if case not in got:
            differences.append(f"{case}: expected {expected[case]}, not run")
        elif case not in expected:
            differences.append(f"{case}: ran with {got[case]}, not expected")
        elif got[case] != expected[case]:
            differences.append(f"{case}: expected {expected[case]}, got {got[case]}")
    counts = {}
    for result in got.values():
        counts[result["behavior"]] = counts.get(result["behavior"], 0) + 1
    summary = ", ".join(f"{n} {b}" for b, n in sorted(counts.items()))
    print(f"autobahn: {len(got)} cases: {summary}")
    for line in differences:
        print("autobahn: DIFFERENCE " + line)
    passed = len(got) - sum(1 for c in got if c in expected and got[c] != expected[c]) - sum(
        1 for c in got if c not in expected
    )
    print(f"autobahn: {passed} passed, {len(differences)} failed")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
