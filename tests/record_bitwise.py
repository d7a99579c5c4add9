"""Rewrite tests/data/bitwise.json from the code as it is now.

Run only when a change of the numbers is intended and explained (tests/data/README.md):
    PYTHONPATH=$PWD python tests/record_bitwise.py
"""

import importlib.util
import json
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).parent


def main():
    spec = importlib.util.spec_from_file_location("test_bitwise", HERE / "test_bitwise.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=HERE).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        recorded = module.digests(Path(tmp))
    module.RECORDED.write_text(json.dumps({"commit": commit, "digests": recorded}, indent=1)
                               + "\n")
    print(f"{len(recorded)} digests written to {module.RECORDED}")


if __name__ == "__main__":
    main()
