"""An executed HTML copy of every notebook, for readers without a kernel: ``python -m lnlib reading-copy``.

Each notebook runs top to bottom in a fresh kernel and is written as HTML into ``reading-copy/``
(git ignores it), with an ``index.html``; the Chinese edition's pages (``notebooks/zh/``) are written beside
them as ``zh-<notebook>.html``. The sliders cannot move without a kernel: each app appears
as a picture of what it shows at its default values. The pages work offline: MathJax, which renders
the formulas, is copied beside them from the ``django-static-mathjax`` package, which the learner's install
leaves out (``requirements-test.txt`` has it; JupyterLab's own MathJax is split into chunks no page can load
alone).
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from lnlib.support.extras import require
from lnlib.support.language import CHINESE_FOLDER, HTML_LANGUAGE_TAGS
from lnlib.support.paths import notebooks

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TEMPLATE = Path(__file__).resolve().parent / "templates" / "reading_copy.html.j2"


def _copy_mathjax(out_dir: Path) -> None:
    """MathJax 3's TeX-to-HTML script and its fonts, into ``out_dir/mathjax``, where the pages look for them."""
    mathjax = require("mathjax", "django-static-mathjax", "python -m lnlib reading-copy")
    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    target = out_dir / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(es5 / "tex-chtml.js", target / "tex-chtml.js")
    shutil.copytree(
        es5 / "output" / "chtml" / "fonts", target / "output" / "chtml" / "fonts", dirs_exist_ok=True
    )


def _static_outputs(notebook) -> None:
    """Drop live-widget views where the output also carries a static picture (every lnlib app does)."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and "text/html" in data:
                del data[WIDGET_VIEW]


def build(out_dir: Path, paths: list | None = None) -> list:
    """Execute each notebook of ``paths`` (default: both editions) and write it as HTML into ``out_dir``; the
    files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _copy_mathjax(out_dir)
    exporter = HTMLExporter(template_name="lab", template_file=str(TEMPLATE))
    written = []
    for path in paths or notebooks("en") + notebooks("zh"):
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(
            notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
        _static_outputs(notebook)
        page, _ = exporter.from_notebook_node(notebook)
        chinese = path.parent.name == CHINESE_FOLDER
        target = out_dir / (("zh-" if chinese else "") + path.stem + ".html")
        target.write_text(page, encoding="utf-8")
        written.append(target)
        print(f"wrote {target}", flush=True)
    sections = []
    for heading, language, pages in (
        ("English", "en", [p for p in written if not p.name.startswith("zh-")]),
        ("中文", "zh", [p for p in written if p.name.startswith("zh-")]),
    ):
        if pages:
            links = "".join(
                f"<li><a href='{html.escape(p.name)}'>{html.escape(p.stem)}</a></li>" for p in pages
            )
            sections.append(
                f"<section lang='{HTML_LANGUAGE_TAGS[language]}'><h2>{heading}</h2><ol>{links}</ol></section>"
            )
    index = out_dir / "index.html"
    index.write_text(
        f"<!doctype html><html lang='{HTML_LANGUAGE_TAGS['en']}'><meta charset='utf-8'>"
        "<title>Layer and batch normalization: reading copy</title><h1>Layer and batch normalization: reading copy"
        f" · <span lang='{HTML_LANGUAGE_TAGS['zh']}'>层归一化与批归一化：阅读版</span></h1>{''.join(sections)}",
        encoding="utf-8",
    )
    return written + [index]
