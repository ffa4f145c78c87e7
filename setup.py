"""Build hook: compile the translation catalogs into every wheel.

The .po files are the source; the server reads .mo files and the browser JSON catalogs,
which git does not keep. `build_py` writes both into the build tree, so `pip install .`
(or a wheel built from the checkout) serves all four languages with no step afterwards.
Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class build_py_with_catalogs(build_py):
    """build_py, then the compiled catalogs beside the package's files."""

    def run(self) -> None:
        super().run()
        # Loaded by its path: importing the fieldapp package would need Flask, which a
        # build environment does not have. fieldapp/catalogs.py needs Babel only.
        spec = importlib.util.spec_from_file_location(
            "_fieldapp_catalogs", HERE / "fieldapp" / "catalogs.py"
        )
        if spec is None or spec.loader is None:
            raise RuntimeError("fieldapp/catalogs.py cannot be loaded")
        catalogs = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(catalogs)
        package = Path(self.build_lib) / "fieldapp"
        for line in catalogs.compile_catalogs(
            HERE / "fieldapp" / "translations",
            mo_dir=package / "translations",
            json_dir=package / "static" / "i18n",
        ):
            self.announce(line, level=2)


setup(cmdclass={"build_py": build_py_with_catalogs})
