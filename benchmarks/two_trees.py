"""Runs a benchmark script in two csweep trees in turn (old, new, old, new, ...): the part the
benchmarks comparing two builds of the compiled code share (noise_v3_v4.py, noise_v4_v5.py).
Each script runs itself with ``--child`` in each tree, which prints its figures as one JSON line.
"""

import argparse
import json
import os
import subprocess
import sys


def parser(doc: str, old_version: int, sets: int, repeats: int) -> argparse.ArgumentParser:
    """The command line both kinds of run take (``--child``: the run in one tree)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--old", help=f"folder holding a built csweep package of version "
                        f"{old_version}")
    parser.add_argument("--new", default=os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))), help="folder holding this csweep, built (default: this tree)")
    parser.add_argument("--sets", type=int, default=sets)
    parser.add_argument("--repeats", type=int, default=repeats)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser


def runs_in_turn(script: str, args) -> dict[str, list[dict]]:
    """``script --child --sets N`` run ``args.repeats`` times in each tree, in turn: each
    tree's figures, run by run."""
    print(f"load average {os.getloadavg()} before")
    runs: dict[str, list[dict]] = {"old": [], "new": []}
    for _ in range(args.repeats):
        for name, tree in (("old", args.old), ("new", args.new)):
            env = dict(os.environ, PYTHONPATH=os.path.abspath(tree))
            out = subprocess.run([sys.executable, os.path.abspath(script), "--child",
                                  "--sets", str(args.sets)], env=env, check=True,
                                 capture_output=True, text=True, cwd="/").stdout
            runs[name].append(json.loads(out.strip().splitlines()[-1]))
    return runs


def run(doc: str, old_version: int, sets: int, repeats: int, child, script: str):
    """A comparison script's command line: in a child, ``child(sets)`` (None returned); else
    the figures of both trees, run in turn (``--old`` required)."""
    args = parser(doc, old_version, sets, repeats).parse_args()
    if args.child:
        child(args.sets)
        return None
    if args.old is None:
        sys.exit("--old is required")
    return runs_in_turn(script, args)
