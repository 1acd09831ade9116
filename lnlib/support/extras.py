"""Packages that only a developer's or a lecturer's command needs, left out of a learner's install.

``requirements.txt`` installs what the notebooks run; ``requirements-test.txt`` adds the test tools and
these: Babel (``python -m lnlib catalogue``) and MathJax 3 (``python -m lnlib reading-copy``).
"""

from __future__ import annotations

import importlib

from lnlib.support.language import gettext as _

TEST_INSTALL = "python -m pip install -r requirements-test.txt"
"""The install that has every package of the course (the README's second command begins with it)."""


class MissingPackage(ImportError):
    """A command needs a package the learner's install leaves out; the message says what to install."""


def require(module: str, package: str, command: str):
    """Import ``module`` and return it, or raise :class:`MissingPackage` saying that ``command`` needs
    ``package`` (its name on PyPI) and how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingPackage(
            _(
                "{command} needs {package}, which the course's install (requirements.txt) leaves out: "
                "{install} installs it (or python -m pip install {package})"
            ).format(command=command, package=package, install=TEST_INSTALL)
        ) from error
