"""A headless browser on a notebook served by Voila, for the browser tests and the benchmarks.

Debian's Chromium (/usr/bin/chromium) driven by the Python ``playwright`` package (Playwright's own
browser download does not work on these machines; never run ``playwright install``). A lecture-hall
projector is taken to be 1280 × 720.
"""

from __future__ import annotations

import contextlib

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PROJECTOR = {"width": 1280, "height": 720}
PAGE_TIMEOUT_MS = 120_000
"""How long a page action may wait: Voila sends a page only once its notebook has run (seconds on a busy
machine), far beyond playwright's default of 30 s."""
"""The viewport of the slide and time-to-interactive measurements: a projector's 1280 × 720."""

# Voila has run every cell and the page has laid them out; widgets may still be arriving.
PAGE_LOADED = """() => {
    const loading = document.getElementById('loading');
    return document.readyState === 'complete' && document.querySelector('.jp-Cell') !== null
        && (!loading || getComputedStyle(loading).display === 'none');
}"""
# Every output of every cell is drawn: Voila's page carries each output as a script that its front end replaces
# by the output (a widget's by a panel, which its view then fills), and every figure has its picture, decoded.
WIDGETS_DRAWN = """() => !document.querySelector('script[type="application/vnd.voila.cell-output+json"]')
    && [...document.querySelectorAll('.jp-OutputArea-output.lm-Panel')].every(p => p.querySelector('.jupyter-widgets'))
    && [...document.querySelectorAll('img.lnlib-figure')].every(i => i.src && i.complete)"""

# What of the page is not drawn yet: output scripts Voila's front end has not replaced, widget panels still
# empty, figures without their picture.
NOT_YET_DRAWN = """() => [
    document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]').length,
    [...document.querySelectorAll('.jp-OutputArea-output.lm-Panel')].filter(p => !p.querySelector('.jupyter-widgets')).length,
    [...document.querySelectorAll('img.lnlib-figure')].filter(i => !(i.src && i.complete)).length]"""

# The moment (ms after the page's navigation began) a control is first drawn, or null before.
FIRST_CONTROL_SHOWN = """() => {
    const shown = [...document.querySelectorAll('.widget-slider, .lnlib-control')]
        .some(e => e.getClientRects().length > 0 && e.getBoundingClientRect().height > 0);
    return shown ? performance.now() : null;
}"""


@contextlib.contextmanager
def chromium():
    """Headless Chromium, closed on leaving the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_notebook(page, url: str, name: str | None = None, timeout: float = 300.0) -> None:
    """Load notebook ``name`` from the Voila at ``url`` serving a folder (no name: the one notebook a
    Voila serves); return once every cell's output is drawn and every figure has its picture."""
    # Voila sends the page only once the notebook has run: allow the whole timeout, not playwright's 30 s
    page.goto(f"{url}voila/render/{name}" if name else url, timeout=timeout * 1000)
    page.wait_for_function(PAGE_LOADED, timeout=timeout * 1000)
    try:
        page.wait_for_function(WIDGETS_DRAWN, timeout=timeout * 1000)
    except Exception as error:
        scripts, panels, figures = page.evaluate(NOT_YET_DRAWN)
        raise AssertionError(
            f"{name or url}: not drawn within {timeout:.0f} s: {scripts} outputs not rendered, "
            f"{panels} widget panels empty, {figures} figures without their picture"
        ) from error


def seconds_to_first_control(browser, page_url: str, timeout: float = 180.0) -> float:
    """Seconds from opening ``page_url`` in a fresh browser context (empty cache) at 1280 × 720 until
    its first slider (or other control of the course) is drawn, as the page's own clock measures it."""
    context = browser.new_context(viewport=PROJECTOR)
    try:
        page = context.new_page()
        page.goto(page_url, wait_until="commit", timeout=timeout * 1000)
        shown_at = page.wait_for_function(FIRST_CONTROL_SHOWN, polling="raf", timeout=timeout * 1000)
        seconds = shown_at.json_value() / 1000
        page.goto("about:blank")  # leaving the page asks Voila to shut its kernel down, as a lecturer's would
        return seconds
    finally:
        context.close()
