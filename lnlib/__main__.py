"""The course's command line: ``python -m lnlib <command>``, or ``lnlib <command>`` (the console script
installing lnlib makes); ``python -m lnlib --help`` lists the commands.

Each command imports what it needs when it runs, so that ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lnlib.support import paths
from lnlib.support.extras import MissingPackage
from lnlib.support.language import LANGUAGES
from lnlib.support.protocol import GROUPS, LAB_MODULES
from lnlib.tools.bench import SECTIONS as BENCH_SECTIONS

LAB_NAMES = (*LAB_MODULES, *GROUPS)


def program_name() -> str:
    """How this process was called: ``lnlib`` (the console script) or ``python -m lnlib``."""
    return "lnlib" if Path(sys.argv[0]).stem == "lnlib" else "python -m lnlib"


def parser(prog: str = "python -m lnlib") -> argparse.ArgumentParser:
    """The command line's parser: one sub-command per tool of the course, its usage naming ``prog``."""
    main = argparse.ArgumentParser(
        prog=prog, description="Tools of the course on layer and batch normalization."
    )
    commands = main.add_subparsers(dest="command", metavar="command", required=True)

    present = commands.add_parser(
        "present",
        help="serve a notebook as an app (Voila): code hidden, sliders live",
        description="Serve a notebook with Voila on 127.0.0.1 until Ctrl-C.",
    )
    present.add_argument(
        "notebook", nargs="?", help="its number (03), its file name, or 'all' (none: list them)"
    )
    present.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        default=None,
        help="the edition: en (notebooks/) or zh (notebooks/zh/); its messages too "
        "(default: LNLIB_LANG, else en)",
    )

    cache = commands.add_parser(
        "cache",
        help="regenerate the labs' results caches (notebooks 04, 06 and 07)",
        description="Run every configuration × seed of the labs named and write their caches (one protocol: "
        "lnlib.support.protocol). Labs: "
        + ", ".join(LAB_NAMES)
        + "; small-nets stands for notebook 06's five.",
    )
    cache.add_argument("labs", nargs="*", metavar="NAME", help="labs to run, or all (default: all)")
    cache.add_argument(
        "--output", type=Path, default=None, help="the folder to write, laid out as data/ (default: data/)"
    )
    cache.add_argument("--workers", type=int, default=None, help="worker processes (default: 2)")
    cache.add_argument(
        "--device", choices=("cpu", "cuda"), default="cpu", help="where to train (default: cpu)"
    )

    verdicts = commands.add_parser(
        "verdicts",
        help="print every toy verdict from the caches: word, rule, effects, seeds",
        description="Every toy verdict of notebooks 04, 06 and 07, computed from the caches.",
    )
    verdicts.add_argument("--json", action="store_true", help="print JSON")
    verdicts.add_argument(
        "--readme",
        action="store_true",
        help="instead, fill both READMEs' lists of toy verdicts from the caches",
    )
    verdicts.add_argument(
        "--data",
        type=Path,
        default=None,
        help="read the caches from this folder, laid out as data/ (default: data/)",
    )

    bench = commands.add_parser(
        "bench",
        help="measure speed, as ratios in one run (never in a test)",
        description="Benchmarks on this CPU, as ratios measured in one run.",
    )
    bench.add_argument(
        "sections",
        nargs="*",
        choices=list(BENCH_SECTIONS),
        default=[],
        help=f"any of {', '.join(BENCH_SECTIONS)} (default: all)",
    )

    reading = commands.add_parser(
        "reading-copy", help="write every notebook, executed, as HTML for reading offline"
    )
    reading.add_argument(
        "--out", type=Path, default=paths.READING_COPY, help="folder to write (default: %(default)s)"
    )
    reading.add_argument("notebooks", nargs="*", type=Path, help="notebooks to convert (default: all)")

    catalogue = commands.add_parser(
        "catalogue",
        help="compile the Chinese messages (installing lnlib does it too); --update, --check",
        description="Compile each language's .po catalogue to its .mo (lnlib/locale/).",
    )
    catalogue.add_argument(
        "--update", action="store_true", help="first add the code's new messages to each .po, drop gone ones"
    )
    catalogue.add_argument(
        "--check", action="store_true", help="list the messages still to translate; compile nothing"
    )

    translations = commands.add_parser(
        "translations",
        help="which Chinese notebook cells wait for translation; --sync brings them up to the English",
        description="Compare notebooks/zh/ with notebooks/, cell by cell.",
    )
    translations.add_argument(
        "--sync",
        action="store_true",
        help="copy code cells and new English prose (marked todo) into notebooks/zh/",
    )

    strip = commands.add_parser(
        "strip", help="remove outputs and widget state from notebooks before committing"
    )
    strip.add_argument("notebooks", nargs="+", type=Path, help="the notebooks, e.g. notebooks/*.ipynb")
    return main


def run(arguments: argparse.Namespace) -> int:
    """Carry out one parsed command; the exit status."""
    if arguments.command == "present":
        from lnlib.support.language import current, use
        from lnlib.tools import present

        chosen = arguments.lang or current()
        use(chosen)  # this process's messages, in the edition's language
        return present.serve(arguments.notebook, language=chosen)
    if arguments.command == "cache":
        from lnlib.support import protocol

        for name in protocol.names(arguments.labs):
            content = protocol.generate(name, arguments.output, arguments.workers, arguments.device)
            print(
                f"{name}: {len(content['results'])} runs in {content['seconds']} s ({content['cpu_seconds']} s of CPU "
                f"time); written to {protocol.lab(name).path(arguments.output or paths.DATA)}"
            )
        return 0
    if arguments.command == "verdicts":
        from lnlib.tools import verdicts

        if arguments.readme:
            for path in verdicts.write_readmes(arguments.data):
                print(f"{path}: its list of toy verdicts changed")
            return 0
        print(verdicts.report(verdicts.every_verdict(arguments.data), arguments.json))
        return 0
    if arguments.command == "bench":
        from lnlib.tools import bench

        bench.run(arguments.sections)
        return 0
    if arguments.command == "reading-copy":
        from lnlib.tools import reading_copy

        reading_copy.build(arguments.out, arguments.notebooks or None)
        return 0
    if arguments.command == "catalogue":
        from lnlib.support.language import CATALOGUE_LOCALES
        from lnlib.tools import catalogue

        problems = False
        for language in CATALOGUE_LOCALES:
            if arguments.update:
                added, dropped = catalogue.update(language)
                print(f"{language}: {len(added)} new message(s) to translate, {len(dropped)} dropped")
            found = catalogue.check(language)
            print(found.report(language))
            problems = problems or bool(found)
        if not arguments.check:
            for path in catalogue.compile_catalogues():
                print(f"compiled {path}")
        return 1 if arguments.check and problems else 0
    if arguments.command == "translations":
        from lnlib.tools import translations

        found = []
        for english in paths.notebooks():
            if arguments.sync:
                waiting = translations.sync(english)
                print(f"{english.name}: {len(waiting)} prose cell(s) to translate")
            found += translations.problems(english)
        print("\n".join(found) or "every Chinese notebook is a current translation")
        return 1 if found else 0
    if arguments.command == "strip":
        from lnlib.tools import strip_outputs

        for path in arguments.notebooks:
            print(f"{path}: {'stripped' if strip_outputs.strip(path) else 'already clean'}")
        return 0
    raise AssertionError(f"unhandled command {arguments.command!r}")


def main(argv=None) -> int:
    """Run the command line on ``argv`` (default: this process's arguments); the exit status."""
    command_line = parser(program_name())
    arguments = command_line.parse_args(argv)
    try:
        return run(arguments)
    except MissingPackage as error:  # a developer's or lecturer's tool: what to install, in one line
        command_line.exit(1, f"{command_line.prog}: error: {error}\n")
    except ValueError as error:  # an unknown name: said in one line, as argparse says its errors
        command_line.error(str(error))


if __name__ == "__main__":
    sys.exit(main())
