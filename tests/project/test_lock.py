"""The lock files install what pyproject.toml asks for, and agree with each other.

`make install`, `make install-test` and CI install requirements/*.txt with hashes; these
tests catch a pyproject.toml change that was not followed by `make lock`. They read
files only: no registry is asked, so a new release elsewhere cannot fail them.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def _pins(name: str) -> dict[str, tuple[str, int]]:
    """Return {package: (version, number of hashes)} of requirements/NAME.txt."""
    pins: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / "requirements" / name).read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match.group(1))
            pins[current] = (match.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def _requirements(*groups: str) -> list[Requirement]:
    found = [Requirement(text) for text in PYPROJECT["build-system"]["requires"]]
    for group in groups:
        texts = (
            PYPROJECT["project"]["dependencies"]
            if group == "app"
            else PYPROJECT["project"]["optional-dependencies"][group]
        )
        found += [Requirement(text) for text in texts]
    return found


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("build.txt", ()), ("app.txt", ("app",)), ("test.txt", ("app", "test"))],
)
def test_the_lock_pins_every_requirement_within_its_range(lock, groups):
    pins = _pins(lock)
    for requirement in _requirements(*groups):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements/{lock}: run `make lock`"
        version, _ = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements/{lock} pins {name}=={version}, outside {requirement}: "
            "run `make lock`"
        )


def test_every_pin_is_hashed():
    for lock in ("build.txt", "app.txt", "test.txt"):
        unhashed = [name for name, (_, hashes) in _pins(lock).items() if not hashes]
        assert unhashed == [], f"requirements/{lock}: no hash for {unhashed}"


def test_the_locks_agree_on_every_version():
    test = _pins("test.txt")
    for lock in ("build.txt", "app.txt"):
        differ = {
            name: (version, test.get(name, (None,))[0])
            for name, (version, _) in _pins(lock).items()
            if test.get(name, (None,))[0] != version
        }
        assert differ == {}, f"requirements/{lock} and test.txt differ: run `make lock`"
