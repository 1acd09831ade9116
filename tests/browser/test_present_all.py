"""``python -m lnlib present all`` serves both editions, each in its own language, with kernels heated for
the edition asked for only."""

from __future__ import annotations

import re
import time

from lnlib.support import paths
from lnlib.tools import present
from lnlib.tools.browser import FIRST_CONTROL_SHOWN

CHINESE = re.compile(r"[\u4e00-\u9fff]")
PREHEATED = re.compile(r"Using pre-heated kernel: \S+ for (\S+)")
CONTROL_TEXTS = """() => ['.lnlib-app .lnlib-control', '.lnlib-app .lnlib-note'].map(selector =>
    [...document.querySelectorAll(selector)].map(e => e.innerText.trim()).filter(t => t))"""


def control_texts(page, url: str) -> list:
    """``[labels, notes]``: the texts of the controls and of the notes of the apps of the page at ``url``,
    once its first control is drawn (the new_page fixture leaves and closes the page at the test's end)."""
    page.goto(url)
    page.wait_for_function(FIRST_CONTROL_SHOWN)
    return page.evaluate(CONTROL_TEXTS)


def test_present_all_serves_each_edition_in_its_language_and_heats_the_one_asked_for(new_page, voila_servers):
    process, url, page_url, heated = voila_servers.present("present-all", "all", "en")
    assert page_url == url and heated == len(paths.notebooks())
    # the pool starts its kernels at once, one per English notebook, none for the Chinese edition; they heat
    # while the pages below open (how long heating takes is test_present_preheated's concern)
    deadline = time.monotonic() + 60
    while len(present.kernel_processes(process.pid)) < heated and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2.0)  # time enough for a pool of the Chinese edition to start its kernels too
    assert len(present.kernel_processes(process.pid)) == heated

    chinese_00 = paths.notebooks("zh")[0].relative_to(paths.NOTEBOOKS).as_posix()
    chinese = control_texts(new_page(), f"{url}voila/render/{chinese_00}")
    english = control_texts(new_page(), f"{url}voila/render/{paths.notebooks()[0].name}")
    (chinese_labels, chinese_notes), (english_labels, english_notes) = chinese, english
    # a label may be a symbol alone (ε); a note is a sentence
    assert any(CHINESE.search(label) for label in chinese_labels), chinese_labels
    assert chinese_notes and all(CHINESE.search(note) for note in chinese_notes), chinese_notes
    assert english_labels and english_notes, english
    assert not any(CHINESE.search(text) for text in english_labels + english_notes), english
    # the English page took its heated kernel, the Chinese one a kernel of its own: Voila's log says which
    # kernel each page got (a count of kernel processes was racy: one CI run saw 8, not 9)
    log = (voila_servers.artifacts_dir / "present-all-voila.log").read_text(errors="replace")
    preheated_for = PREHEATED.findall(log)
    assert preheated_for == [paths.notebooks()[0].name], log[-3000:]
    deadline = time.monotonic() + 15
    while len(present.kernel_processes(process.pid)) < heated + 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(present.kernel_processes(process.pid)) == heated + 1, log[-3000:]
