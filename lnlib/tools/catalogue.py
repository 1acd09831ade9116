"""The message catalogues of ``lnlib``: extract, check, update and compile (Babel, gettext's format).

Each language's messages are kept in one ``.po`` file per folder of ``lnlib`` (``nb03_bn_vs_ln_axes.po``
holds the messages of ``lnlib/nb03_bn_vs_ln_axes/``, ``core.po`` those of the modules at the top), and
compiled together into one ``.mo``. ``python -m lnlib catalogue`` compiles (installing ``lnlib`` does it
too); ``--update`` first adds the messages new in the code to their part (untranslated) and drops those
the code no longer has; ``--check`` lists what a translator must still do. A test fails on any message
of the code without a translation and on any translation whose English message is gone.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from lnlib.support.extras import require

PACKAGE = Path(__file__).resolve().parents[1]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "N_": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
"""The functions whose string arguments are messages (lnlib.support.language's names and their aliases)."""
TOP_LEVEL_PART = "core"
"""The part of the messages of the modules at the top of ``lnlib`` (functional, nn, __main__)."""


class InContext(NamedTuple):
    """A message meant in one context (``pgettext``): the same English, another translation."""

    context: str
    message: str


def _key(message, context):
    """How a message is known here: the message itself, or :class:`InContext` when it has a context."""
    return message if context is None else InContext(context, message)


def _unkey(key) -> tuple:
    """``(message, context)`` of a key."""
    return (key.message, key.context) if isinstance(key, InContext) else (key, None)


def _babel():
    """Babel's ``catalog``, ``extract``, ``mofile`` and ``pofile``: a developer's tool, not in a learner's install."""
    return tuple(
        require(f"babel.messages.{name}", "Babel", "python -m lnlib catalogue")
        for name in ("catalog", "extract", "mofile", "pofile")
    )


def part_of(filename: str) -> str:
    """The catalogue part of a message found in ``filename`` (a path inside ``lnlib``)."""
    parts = Path(filename).parts
    return parts[0] if len(parts) > 1 else TOP_LEVEL_PART


def extract_messages(package: Path = PACKAGE) -> dict:
    """Every message the code marks for translation: message → list of ``(file, line)``.

    A plural message is the tuple ``(singular, plural)``, as in gettext; a message with a context is an
    :class:`InContext`.
    """
    _, extract, _, _ = _babel()
    messages: dict = {}
    for filename, line, message, _comments, context in extract.extract_from_dir(
        package,
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        directory_filter=lambda path: "__pycache__" not in path,
    ):
        messages.setdefault(_key(message, context), []).append((filename, line))
    return messages


def part_files(language: str) -> list:
    """``language``'s ``.po`` files, one per part."""
    from lnlib.support.language import catalogue_sources

    return sorted(catalogue_sources(language).glob("*.po"))


def _read(path: Path, language: str):
    from lnlib.support.language import CATALOGUE_LOCALES

    _, _, _, pofile = _babel()
    with open(path, "rb") as file:
        return pofile.read_po(file, locale=CATALOGUE_LOCALES[language])


def read_catalogue(language: str):
    """All of ``language``'s parts as one Babel catalogue (a message in two parts must agree in both)."""
    from lnlib.support.language import CATALOGUE_LOCALES

    catalog, _, _, _ = _babel()
    merged = catalog.Catalog(locale=CATALOGUE_LOCALES[language], domain="lnlib")
    for path in part_files(language):
        for entry in _read(path, language):
            if not entry.id:
                continue
            known = merged.get(entry.id, context=entry.context)
            if known is not None and known.string != entry.string:
                raise ValueError(
                    f"{path.name} translates {entry.id!r} differently from another part: give one of them "
                    "a context (pgettext)"
                )
            merged.add(entry.id, entry.string, entry.locations, entry.flags, context=entry.context)
    return merged


@dataclass
class CatalogueProblems:
    """What a translator must still do for one language."""

    missing: list
    """messages of the code with no translation (or an empty one)"""
    stale: list
    """translations whose English message the code no longer has"""
    fuzzy: list
    """translations marked fuzzy: guessed, not yet checked"""
    placeholders: list = field(default_factory=list)
    """translations whose ``{name}`` or ``%s`` placeholders differ from the English message's"""

    def __bool__(self) -> bool:
        return bool(self.missing or self.stale or self.fuzzy or self.placeholders)

    def report(self, language: str) -> str:
        lines = []
        for title, items in (
            ("without a translation", self.missing),
            ("translated, but gone from the code (stale)", self.stale),
            ("marked fuzzy", self.fuzzy),
            ("with other placeholders than the English", self.placeholders),
        ):
            if items:
                lines.append(f"{len(items)} message(s) {title} in {language}:")
                lines.extend(f"  {item!r}" for item in items)
        return "\n".join(lines) or f"{language}: every message translated"


def _empty(string) -> bool:
    strings = string if isinstance(string, (tuple, list)) else (string,)
    return not all(strings)


_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdfgeEr%]")


def placeholders(message: str) -> list:
    """The ``str.format`` fields and ``%`` conversions of a message, sorted (what a translation must keep)."""
    try:
        fields = [
            f"{{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}"
            for _, name, spec, conv in string.Formatter().parse(message)
            if name is not None
        ]
    except ValueError:
        fields = ["(unbalanced braces)"]
    return sorted(fields + _PRINTF.findall(message))


def _same_placeholders(message, translation) -> bool:
    pairs = zip(message, translation) if isinstance(message, tuple) else [(message, translation)]
    return all(placeholders(m) == placeholders(t) for m, t in pairs if t)


def check(language: str, messages: dict | None = None) -> CatalogueProblems:
    """Compare ``language``'s catalogue with the messages of the code."""
    messages = extract_messages() if messages is None else messages
    translated = {_key(entry.id, entry.context): entry for entry in read_catalogue(language) if entry.id}
    missing = [m for m in messages if m not in translated or _empty(translated[m].string)]
    stale = [m for m in translated if m not in messages]
    fuzzy = [m for m, entry in translated.items() if entry.fuzzy]
    wrong = [m for m, entry in translated.items() if not _same_placeholders(entry.id, entry.string)]
    return CatalogueProblems(missing, stale, fuzzy, wrong)


def update(language: str, messages: dict | None = None) -> tuple:
    """Add the code's new messages to their parts (untranslated) and drop the ones it no longer has;
    ``(added, dropped)``. A translation stays in the part it is in."""
    from lnlib.support.language import CATALOGUE_LOCALES, catalogue_sources

    catalog, _, _, pofile = _babel()
    messages = extract_messages() if messages is None else messages
    parts = {path.stem: _read(path, language) for path in part_files(language)}
    known = {_key(entry.id, entry.context) for part in parts.values() for entry in part if entry.id}
    added = [m for m in messages if m not in known]
    dropped = sorted({m for m in known if m not in messages}, key=str)
    for part in parts.values():
        for key in dropped:
            message, context = _unkey(key)
            if part.get(message, context=context) is not None:
                part.delete(message, context=context)
    for message in added:
        name = part_of(messages[message][0][0])
        if name not in parts:
            parts[name] = catalog.Catalog(
                locale=CATALOGUE_LOCALES[language],
                domain="lnlib",
                project="lnlib",
                version="0.1.0",
                fuzzy=False,
            )
        text, context = _unkey(message)
        parts[name].add(text, "" if isinstance(text, str) else ("", ""), context=context)
    for part in parts.values():
        for entry in part:
            if entry.id:
                places = messages[_key(entry.id, entry.context)]
                entry.locations = sorted({(Path(file).as_posix(), None) for file, _ in places})
    folder = catalogue_sources(language)
    for name, part in parts.items():
        part.header_comment = f"# {language} messages of lnlib/{'' if name == TOP_LEVEL_PART else name + '/'}"
        with open(folder / f"{name}.po", "wb") as file:
            pofile.write_po(file, part, width=100, omit_header=False, include_lineno=False)
    return added, dropped


def compile_catalogues() -> list:
    """Compile each language's parts into its one ``.mo``; the ``.mo`` files written."""
    from lnlib.support.language import CATALOGUE_LOCALES, catalogue_path, forget_catalogues

    _, _, mofile, _ = _babel()
    written = []
    for language in CATALOGUE_LOCALES:
        catalogue = read_catalogue(language)
        target = catalogue_path(language)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as file:
            mofile.write_mo(file, catalogue)
        written.append(target)
    forget_catalogues()
    return written
