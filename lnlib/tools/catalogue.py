"""The message catalogues of ``lnlib``: extract, check, update and compile (Babel, gettext's format).

``python -m lnlib catalogue`` compiles every ``.po`` to its ``.mo`` (installing ``lnlib`` does it too);
``--update`` first adds the messages new in the code to each ``.po`` (untranslated) and drops those the
code no longer has; ``--check`` lists what a translator must still do. A test fails on any message of
the code without a translation and on any translation whose English message is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "N_": None, "gettext_noop": None, "ngettext": (1, 2)}
"""The functions whose string arguments are messages (lnlib.support.language's names and their aliases)."""


def _babel():
    try:
        from babel.messages import catalog, extract, mofile, pofile
    except ImportError as error:
        raise ImportError(
            "the message catalogues need Babel: python -m pip install -r requirements.txt"
        ) from error
    return catalog, extract, mofile, pofile


def extract_messages(package: Path = PACKAGE) -> dict:
    """Every message the code marks for translation: message id → list of ``(file, line)``.

    A plural message's id is the tuple ``(singular, plural)``, as in gettext.
    """
    _, extract, _, _ = _babel()
    messages: dict = {}
    for filename, line, message, _comments, _context in extract.extract_from_dir(
        package,
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        directory_filter=lambda path: "__pycache__" not in path,
    ):
        messages.setdefault(message, []).append((filename, line))
    return messages


def read_catalogue(language: str):
    """The Babel catalogue of ``language``'s ``.po`` file."""
    from lnlib.support.language import CATALOGUE_LOCALES, catalogue_path

    _, _, _, pofile = _babel()
    with open(catalogue_path(language, compiled=False), "rb") as file:
        return pofile.read_po(file, locale=CATALOGUE_LOCALES[language])


@dataclass
class CatalogueProblems:
    """What a translator must still do for one language."""

    missing: list
    """messages of the code with no translation (or an empty one)"""
    stale: list
    """translations whose English message the code no longer has"""
    fuzzy: list
    """translations marked fuzzy: guessed, not yet checked"""

    def __bool__(self) -> bool:
        return bool(self.missing or self.stale or self.fuzzy)

    def report(self, language: str) -> str:
        lines = []
        for title, items in (
            ("without a translation", self.missing),
            ("translated, but gone from the code (stale)", self.stale),
            ("marked fuzzy", self.fuzzy),
        ):
            if items:
                lines.append(f"{len(items)} message(s) {title} in {language}:")
                lines.extend(f"  {item!r}" for item in items)
        return "\n".join(lines) or f"{language}: every message translated"


def check(language: str, messages: dict | None = None) -> CatalogueProblems:
    """Compare ``language``'s catalogue with the messages of the code."""
    messages = extract_messages() if messages is None else messages
    catalogue = read_catalogue(language)
    translated = {}
    fuzzy = []
    for entry in catalogue:
        if not entry.id:
            continue  # the header
        translated[entry.id] = entry.string
        if entry.fuzzy:
            fuzzy.append(entry.id)

    def empty(string) -> bool:
        strings = string if isinstance(string, (tuple, list)) else (string,)
        return not all(strings)

    missing = [message for message in messages if message not in translated or empty(translated[message])]
    stale = [message for message in translated if message not in messages]
    return CatalogueProblems(missing, stale, fuzzy)


def update(language: str, messages: dict | None = None) -> tuple:
    """Add the code's new messages to ``language``'s ``.po`` (untranslated), drop the ones it no longer
    has; ``(added, dropped)``."""
    from lnlib.support.language import catalogue_path

    _, _, _, pofile = _babel()
    messages = extract_messages() if messages is None else messages
    catalogue = read_catalogue(language)
    known = {entry.id for entry in catalogue if entry.id}
    added = [message for message in messages if message not in known]
    dropped = [message for message in known if message not in messages]
    for message in dropped:
        catalogue.delete(message)
    for message in added:
        catalogue.add(message, "" if isinstance(message, str) else ("", ""))
    for message, places in messages.items():
        catalogue[message].locations = [(str(Path(file).as_posix()), line) for file, line in sorted(places)]
    with open(catalogue_path(language, compiled=False), "wb") as file:
        pofile.write_po(file, catalogue, width=100, sort_output=False, include_lineno=False)
    return added, dropped


def compile_catalogues() -> list:
    """Compile every language's ``.po`` to its ``.mo``; the ``.mo`` files written."""
    from lnlib.support.language import CATALOGUE_LOCALES, catalogue_path, forget_catalogues

    _, _, mofile, _ = _babel()
    written = []
    for language in CATALOGUE_LOCALES:
        catalogue = read_catalogue(language)
        target = catalogue_path(language)
        with open(target, "wb") as file:
            mofile.write_mo(file, catalogue)
        written.append(target)
    forget_catalogues()
    return written
