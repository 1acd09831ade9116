"""Installing lnlib compiles its message catalogues (lnlib/locale/*/LC_MESSAGES/lnlib.po → .mo).

Everything else about the package is in pyproject.toml.
"""

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogues(build_py):
    """build_py that first compiles the .po catalogues, in place, so editable installs have them too."""

    def run(self):
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from lnlib.tools.catalogue import compile_catalogues

        for path in compile_catalogues():
            print(f"compiled {path}")
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogues})
