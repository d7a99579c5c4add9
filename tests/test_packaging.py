"""Release files: the quick start builds csweep once, the licence says what the metadata says,
and the sdist is told to carry what a wheel is built from."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("<!-- quickstart-start -->")[1].split("<!-- quickstart-end -->")[0]
    block = section.split("```bash\n")[1].split("```")[0]
    return [line for line in block.splitlines() if line.strip()]


def test_the_quick_start_installs_the_checkout_once():
    commands = _quick_start_commands()
    assert len(commands) == 2
    installs = re.findall(r"pip install (\S+)", " ".join(commands))
    assert installs == ['".[plot,test]"'], installs     # one build, with both extras
    assert commands[1].strip() == ".venv/bin/pytest"


def _pyproject_section(name: str) -> str:
    # (tomllib is Python 3.11+; csweep supports 3.10)
    text = (ROOT / "pyproject.toml").read_text()
    return text.split(f"\n[{name}]\n")[1].split("\n[")[0]


def test_the_extras_readme_names_exist():
    extras = re.findall(r"^(\w+) = \[", _pyproject_section("project.optional-dependencies"), re.M)
    assert {"plot", "test", "progress", "docs", "dask"} <= set(extras)


def test_licence_matches_the_metadata():
    project = _pyproject_section("project").splitlines()
    assert 'license = "BSD-3-Clause"' in project
    # csweep's licence, and that of pocketfft, compiled into csweep._features (also BSD-3-Clause)
    assert 'license-files = ["LICENSE", "csweep/src/pocketfft/LICENSE.md"]' in project
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License") and "the csweep developers" in text
    assert "Neither the name of the copyright holder" in text
    vendored = (ROOT / "csweep" / "src" / "pocketfft" / "LICENSE.md").read_text()
    assert "Max-Planck-Society" in vendored and "Neither the name of the copyright holder" in vendored


def test_the_sdist_carries_what_a_wheel_is_built_from():
    manifest = (ROOT / "MANIFEST.in").read_text().splitlines()
    for line in ("include csweep/*.pyx csweep/*.pxd",
                 "include csweep/src/*.h csweep/src/*.cpp csweep/*.pyi",
                 "include csweep/src/pocketfft/pocketfft_hdronly.h csweep/src/pocketfft/LICENSE.md",
                 "include templates/*.yaml",
                 "include LICENSE README.md CHANGELOG.md", "include csweep/py.typed",
                 "exclude csweep/*.c"):
        assert line in manifest
    assert (ROOT / "CHANGELOG.md").read_text().startswith("# Changelog")
