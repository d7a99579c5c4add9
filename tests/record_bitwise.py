"""Rewrite tests/data/bitwise.json from the code as it is now.

Run only when a change of the numbers is intended and explained (tests/data/README.md):
    PYTHONPATH=$PWD python tests/record_bitwise.py            # every case
    PYTHONPATH=$PWD python tests/record_bitwise.py NAME ...   # only these cases; the others
                                                              # keep their recorded hashes
"""

import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent


def main(names):
    spec = importlib.util.spec_from_file_location("test_bitwise", HERE / "test_bitwise.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    unknown = sorted(set(names) - set(module.CASES))
    if unknown:
        sys.exit(f"record_bitwise: no such case: {', '.join(unknown)}")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=HERE).stdout.strip()
    if subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                      capture_output=True, text=True, cwd=HERE).stdout.strip():
        commit += "+uncommitted"    # recorded from changes on top of that commit
    recorded = json.loads(module.RECORDED.read_text()) if names else {"digests": {}}
    with tempfile.TemporaryDirectory() as tmp:
        if names:
            module.CASES = {name: module.CASES[name] for name in names}
        fresh = module.digests(Path(tmp))
    digests = {**recorded["digests"], **fresh}
    commits = recorded.get("commits", {})
    if names:       # which cases were recorded at which commit
        commits = commits or {"*": recorded["commit"]}
        commits.update(dict.fromkeys(names, commit))
        out = {"commit": recorded["commit"], "commits": commits, "digests": digests}
    else:
        out = {"commit": commit, "digests": digests}
    module.RECORDED.write_text(json.dumps(out, indent=1) + "\n")
    print(f"{len(fresh)} of {len(digests)} digests written to {module.RECORDED}")


if __name__ == "__main__":
    main(sys.argv[1:])
