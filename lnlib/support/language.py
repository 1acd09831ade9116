"""The course's two languages: which one a process speaks, and its translated messages (gettext).

English is the source language; ``zh`` is Simplified Chinese. The language is chosen once per process:

- by the notebook's folder: a notebook in ``notebooks/zh/`` runs in Chinese (Jupyter, Voila and nbmake
  start its kernel in that folder), so both editions share every code cell;
- or by the environment, ``LNLIB_LANG=zh`` (``python -m lnlib present 03 --lang zh`` sets it);
- or by hand, ``use("zh")``, which a test or a script may call.

Every user-visible string of ``lnlib`` goes through :func:`gettext` (imported as ``_``) where it is
shown. A string defined at import time (a module constant) is marked with :func:`gettext_noop`
(``N_``) and translated where it is used, so that switching the language later reaches it too. The
Chinese messages live in ``lnlib/locale/zh_CN/*.po``, one file per folder of ``lnlib``, and are compiled
into ``lnlib/locale/zh_CN/LC_MESSAGES/lnlib.mo`` when ``lnlib`` is installed (``setup.py``;
``python -m lnlib catalogue`` compiles them by hand).
"""

from __future__ import annotations

import contextlib
import gettext as _gettext
import os
from pathlib import Path

LANGUAGES = {"en": "English", "zh": "简体中文"}
"""The course's languages: code → its own name."""
LOCALE = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "lnlib"
CATALOGUE_LOCALES = {"zh": "zh_CN"}
"""Language → the gettext locale folder of its catalogue (English needs none: it is the source)."""
ENVIRONMENT_VARIABLE = "LNLIB_LANG"
CHINESE_FOLDER = "zh"
"""The folder of ``notebooks/`` that holds the Chinese edition."""
HTML_LANGUAGE_TAGS = {"en": "en", "zh": "zh-CN"}
"""Language → its tag in HTML's ``lang`` attribute (BCP 47), which a page of that edition declares."""
NOTEBOOK_METADATA_KEY = "lnlib"
"""The course's key in a notebook's metadata: ``{"lnlib": {"language": "zh-CN"}}`` in the Chinese edition (see
:func:`notebook_metadata`; none in the English). The course's Voila template and the reading copy declare it
as the page's ``lang``; ``python -m lnlib translations`` keeps it in step."""

_chosen: str | None = None
_translations: dict = {}


def _check(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; the course speaks {', '.join(LANGUAGES)}")
    return language


def current() -> str:
    """The language of this process: chosen by :func:`use`, else ``LNLIB_LANG``, else the folder it runs in."""
    if _chosen is not None:
        return _chosen
    from_environment = os.environ.get(ENVIRONMENT_VARIABLE)
    if from_environment:
        return _check(from_environment)
    return "zh" if Path.cwd().name == CHINESE_FOLDER else "en"


def notebook_metadata(language: str) -> dict:
    """What a notebook of ``language``'s edition records under :data:`NOTEBOOK_METADATA_KEY`."""
    return {"language": HTML_LANGUAGE_TAGS[_check(language)]}


def use(language: str | None) -> None:
    """Speak ``language`` from now on in this process (None: back to the environment and folder)."""
    global _chosen
    _chosen = None if language is None else _check(language)


@contextlib.contextmanager
def speaking(language: str):
    """Within this block the process speaks ``language``; afterwards what it spoke before."""
    global _chosen
    before = _chosen
    use(language)
    try:
        yield language
    finally:
        _chosen = before


def catalogue_path(language: str) -> Path:
    """The compiled catalogue (``.mo``) of ``language``'s messages, which :func:`gettext` reads."""
    return LOCALE / CATALOGUE_LOCALES[language] / "LC_MESSAGES" / (DOMAIN + ".mo")


def catalogue_sources(language: str) -> Path:
    """The folder of ``language``'s ``.po`` files: one per folder of ``lnlib`` (``nb03_bn_vs_ln_axes.po``,
    ``ui.po``, …), so that translators of different notebooks never edit the same file."""
    return LOCALE / CATALOGUE_LOCALES[language]


def _translation(language: str):
    if language not in _translations:
        if language == "en":
            _translations[language] = _gettext.NullTranslations()
        else:
            path = catalogue_path(language)
            if not path.exists():
                raise FileNotFoundError(
                    f"{path} is missing: the {LANGUAGES[language]} messages are compiled when lnlib is "
                    "installed (python -m pip install -e .) or by python -m lnlib catalogue"
                )
            with open(path, "rb") as file:
                _translations[language] = _gettext.GNUTranslations(file)
    return _translations[language]


def gettext(message: str) -> str:
    """``message`` in the current language (English messages are their own translation)."""
    return _translation(current()).gettext(message)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, as meant in ``context`` (one English word, two Chinese ones:
    a training "step" is 步, a step of a computation 步骤)."""
    return _translation(current()).pgettext(context, message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form of a message for ``count``, in the current language."""
    return _translation(current()).ngettext(singular, plural, count)


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation where it is defined; :func:`gettext` translates it where it is shown."""
    return message


def forget_catalogues() -> None:
    """Drop the loaded catalogues, so that the next message reads them again (after compiling them)."""
    _translations.clear()


def translate(message: str, language: str) -> str:
    """``message`` in ``language``, whichever language this process speaks (a README's line, a notice
    printed in both languages)."""
    return _translation(_check(language)).gettext(message)
