"""``python -m lnlib present`` preheats: the page a lecturer opens takes a kernel that has already run the
notebook, its slider answers, a new kernel is heated for the next visitor, and everything stops by PID."""

from __future__ import annotations

import psutil
from test_notebooks_in_browser import move_and_watch, press

from lnlib.tools import present
from lnlib.tools.browser import PROJECTOR, open_notebook

PAGE_KERNEL = "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"


def test_present_hands_the_page_a_preheated_kernel_and_heats_the_next_one(browser, voila_servers):
    notebook = present.find_notebook("00")  # the cheapest notebook with a slider
    # the next kernel heated a second after the page takes one, not present's minute: the test need not wait
    process, url = voila_servers.start("present", target=notebook, preheat=1, refill_delay=1)
    present.wait_until_preheated(process, url, kernels=1)
    [(heated_id, state, _)] = present.kernel_states(process.pid, url)
    assert state == "idle"
    heated_pid = present.kernel_processes(process.pid)[0].pid

    context = browser.new_context(viewport=PROJECTOR)
    try:
        page = context.new_page()
        open_notebook(page, url)
        assert page.evaluate(PAGE_KERNEL) == heated_id, "the page did not get the preheated kernel"
        app = page.locator(".lnlib-app").first.element_handle()
        handle = page.locator(".lnlib-app .lnlib-control .noUi-handle").first
        assert any(
            move_and_watch(page, app, handle, press(page, handle, key), f"slider ({key})", 30)
            for key in ("End", "Home")
        ), "the first slider of the preheated page does not answer"

        present.wait_until_preheated(process, url, kernels=2)  # the page's kernel and a new one in the pool
        kernels = present.kernel_processes(process.pid)
        assert len(kernels) == 2 and heated_pid in [kernel.pid for kernel in kernels]
    finally:
        context.close()
    voila_servers.stop(process)
    _, alive = psutil.wait_procs(kernels, timeout=20)
    assert not alive, f"kernels left running after present stopped: {[kernel.pid for kernel in alive]}"
    assert process.poll() is not None
