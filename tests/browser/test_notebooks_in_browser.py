"""Every notebook as the audience sees it in Voila: it renders without errors, and every control, moved by
keyboard and by mouse, changes the figure or table that depends on it.

Each notebook's page is opened once and shared by the tests that look at it (``notebook_page`` in conftest.py,
which runs them in the order of its STAGES); a test that moves an app and is not the last leaves it as it
found it, with the app's Reset button.
"""

from __future__ import annotations

import contextlib
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from lnlib.support import paths
from lnlib.tools.browser import PROJECTOR, open_notebook
from lnlib.tools.present import kernel_processes

NOTEBOOKS = [path.name for path in paths.notebooks()]


def notebook(number: int) -> str:
    """The file name of notebook ``number`` of the English edition."""
    return next(name for name in NOTEBOOKS if name.startswith(f"{number:02d}_"))


@contextlib.contextmanager
def projector_viewport(page):
    """The page at a projector's 1280 × 720 inside the block, at its own size again after it."""
    size = page.viewport_size
    page.set_viewport_size(PROJECTOR)
    try:
        yield
    finally:
        page.set_viewport_size(size)


# What an app shows: its figures (a new blob URL at every re-draw) and the text of its tables and note.
APP_SIGNATURE = """app => [...app.querySelectorAll('img.lnlib-figure')].map(i => i.src).join('|') + '#' +
    [...app.querySelectorAll('.lnlib-output, .lnlib-note')].map(e => e.innerText).join('|')"""

ERROR_TEXTS = [
    "Traceback",
    "There was an error when executing cell",
    "Something went wrong that the course",
    "出了课程没有预料到的问题",  # the same note in the Chinese edition
    "ModuleNotFoundError",
    "NameError",
    "Kernel error",
    "Error:",
]


def assert_no_error_text(page, where: str) -> None:
    text = page.inner_text("body")
    found = [marker for marker in ERROR_TEXTS if marker in text]
    assert not found, f"{where}: the page shows {found}"


# The page's declared language, and the images (figures among them) with no alt text or with a tooltip left over
# (the course's Voila template turns each figure's tooltip into its alt).
ACCESSIBILITY = """() => {
    const images = [...document.querySelectorAll('#rendered_cells img')];
    return {
        lang: document.documentElement.lang,
        figures: document.querySelectorAll('img.lnlib-figure').length,
        withoutAlt: images.filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.className || i.src.slice(0, 40)),
        titled: document.querySelectorAll('img.lnlib-figure[title]').length,
    };
}"""


def assert_figures_described(page, language: str, where: str) -> None:
    """The page declares ``language`` and every image on it has alt text (none a leftover tooltip)."""
    found = page.evaluate(ACCESSIBILITY)
    assert found["lang"] == language, f"{where}: the page declares lang={found['lang']!r}, not {language!r}"
    assert found["figures"] > 0 and not found["withoutAlt"] and not found["titled"], f"{where}: {found}"


def signature(app) -> str:
    return app.evaluate(APP_SIGNATURE)


def wait_for_change(page, app, before: str, what: str, seconds: float = 60) -> str:
    """Wait until the app shows something else than ``before``; the new signature."""
    page.wait_for_function(
        f"([app, before]) => ({APP_SIGNATURE})(app) !== before", arg=[app, before], timeout=seconds * 1000
    )
    after = signature(app)
    assert "Something went wrong" not in after, f"{what}: the app reports an error"
    return after


def wait_until_settled(app, quiet: float = 1.0, timeout: float = 30.0) -> str:
    """Wait until the app has shown the same thing for ``quiet`` seconds (every update of a drag arrived)."""
    deadline = time.monotonic() + timeout
    last, since = signature(app), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = signature(app)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
    raise AssertionError(f"the app kept changing for {timeout:.0f} s")


def slider_value(handle) -> str:
    """The slider's value as its readout shows it (its aria value is rounded to one decimal)."""
    return handle.evaluate("h => h.closest('.widget-slider').querySelector('.widget-readout').innerText")


def move_and_watch(page, app, handle, move, what: str, patience: float) -> bool:
    """Make one ``move`` of a slider; True if its value moved and the app's output then changed.

    A small step may leave the picture as it was (ε from 1e-8 to 1.3e-8, say), so a move that shows
    nothing new within ``patience`` seconds is not an error; the caller asks that some move shows it.
    """
    before_value, before = slider_value(handle), signature(app)
    move()
    if slider_value(handle) == before_value:
        return False
    try:
        wait_for_change(page, app, before, what, seconds=patience)
    except PlaywrightTimeout:
        return False
    return True


def press(page, handle, key: str):
    def move():
        handle.focus()
        page.keyboard.press(key)

    return move


def drag(page, handle, fraction: float):
    """Drag a slider's handle with the mouse to ``fraction`` of its track."""

    def move():
        track = handle.locator("xpath=ancestor::div[contains(@class, 'noUi-base')]").bounding_box()
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(track["x"] + fraction * track["width"], box["y"] + box["height"] / 2, steps=8)
        page.mouse.up()

    return move


def reveal(control) -> None:
    """Open the tab that holds ``control``, where an app shows its control groups in tabs."""
    titles = control.locator("xpath=ancestor::*[contains(@class, 'lnlib-control-tabs')][1]").locator(
        ".lm-TabBar-tab"
    )
    for index in range(titles.count()):
        if control.is_visible():
            return
        titles.nth(index).click()


def exercise_control(page, app, control, what: str) -> None:
    """Move one control by keyboard (to both ends, and one step) and by mouse; the output must follow."""
    reveal(control)
    classes = control.get_attribute("class")
    if "widget-slider" in classes:
        handle = control.locator(".noUi-handle").first
        shown_by_keys = [
            move_and_watch(page, app, handle, press(page, handle, key), f"{what} ({key})", patience)
            for key, patience in (("End", 30), ("Home", 30), ("ArrowRight", 5))
        ]
        assert any(shown_by_keys), f"{what}: moving it by keyboard changes nothing on the page"
        assert_no_error_text(page, what)
        shown_by_mouse = [
            move_and_watch(page, app, handle, drag(page, handle, fraction), f"{what} (mouse)", 30)
            for fraction in (0.7, 0.3)
        ]
        assert any(shown_by_mouse), f"{what}: dragging it with the mouse changes nothing on the page"
    elif "widget-toggle-buttons" in classes:
        buttons = control.locator("button")
        changed = 0
        for index in list(range(1, buttons.count())) + [0]:
            if "mod-active" in (buttons.nth(index).get_attribute("class") or ""):
                continue
            before = signature(app)
            buttons.nth(index).click()
            wait_for_change(page, app, before, f"{what} (button {index})")
            changed += 1
        assert changed, f"{what}: no button changes the output"
    elif "widget-dropdown" in classes:
        select = control.locator("select")
        options = select.locator("option").all_inner_texts()
        for option in options[1:] + options[:1]:
            before = signature(app)
            select.select_option(label=option)
            wait_for_change(page, app, before, f"{what} (option {option})")
    elif "widget-checkbox" in classes:
        for _ in range(2):
            before = signature(app)
            control.locator("input").click()
            wait_for_change(page, app, before, f"{what} (checkbox)")
    else:
        pytest.fail(f"{what}: the browser tests do not know this kind of control ({classes})")
    assert_no_error_text(page, what)


def commit_prediction(page, prediction, option: int = 0) -> None:
    """Pick ``option`` of a "predict before you drag" question and press Commit; its app (in the next cell,
    marked ``lnlib-locked`` until then) unlocks."""
    locked = page.locator(".lnlib-app.lnlib-locked").count()
    assert locked, "no locked app waits for this prediction"
    prediction.locator("input[type=radio]").nth(option).check()
    prediction.locator("button", has_text="Commit").click()
    prediction.locator(".lnlib-feedback").wait_for(timeout=30_000)
    page.wait_for_function(
        "n => document.querySelectorAll('.lnlib-app.lnlib-locked').length === n"
        " && [...document.querySelectorAll('.lnlib-app:not(.lnlib-locked)')].every(a =>"
        " [...a.querySelectorAll('.lnlib-control .noUi-target')].every(t => !t.hasAttribute('disabled'))"
        " && [...a.querySelectorAll('.lnlib-control button')].every(b => !b.disabled))",
        arg=locked - 1,
        timeout=30_000,
    )


def commit_open_predictions(page) -> None:
    """Commit every prediction of the page not yet made (one with no feedback yet), unlocking its app."""
    predictions = page.locator(".lnlib-prediction")
    for index in range(predictions.count()):
        if predictions.nth(index).locator(".lnlib-feedback").count() == 0:
            commit_prediction(page, predictions.nth(index))


@pytest.mark.notebook_page("as_loaded")
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_renders_without_errors_or_code_and_fetches_nothing_from_outside(
    notebook_page, shared_pages, voila_url, name
):
    page = notebook_page(name)
    assert_no_error_text(page, f"{name} after loading")
    fetched = shared_pages.fetched[name]
    elsewhere = [url for url in fetched if not url.startswith((voila_url, f"blob:{voila_url}", "data:"))]
    assert fetched and not elsewhere, f"{name} fetches from outside the machine: {elsewhere}"
    assert "import " not in page.inner_text("body"), f"{name}: Voila shows code"
    assert page.locator(".lnlib-app").count() >= 1, f"{name} shows no interactive app"
    assert_figures_described(page, "en", f"{name} after loading")


@pytest.mark.notebook_page("every_control")
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_control_changes_its_output(notebook_page, name):
    page = notebook_page(name)
    commit_open_predictions(page)  # the sliders behind a prediction unlock once it is made
    apps = page.locator(".lnlib-app")
    assert apps.count() >= 1, f"{name} shows no interactive app"
    for app_index in range(apps.count()):
        app = apps.nth(app_index).element_handle()
        controls = apps.nth(app_index).locator(".lnlib-control")
        for control_index in range(controls.count()):
            control = controls.nth(control_index)
            label = control.locator(".widget-label").first.inner_text()
            exercise_control(page, app, control, f"{name}, app {app_index + 1}, control {label!r}")
    assert_figures_described(page, "en", f"{name} after every control moved")  # re-drawn figures too


def test_three_tabs_of_one_notebook_have_three_kernels_and_no_cross_talk(new_page, voila_servers):
    process, url = voila_servers.start("three-tabs")
    pages = [new_page() for _ in range(3)]
    for page in pages:
        open_notebook(page, url, NOTEBOOKS[0])
    assert len(kernel_processes(process.pid)) == 3
    apps = [page.locator(".lnlib-app").first.element_handle() for page in pages]
    before = [signature(app) for app in apps]
    handle = pages[0].locator(".lnlib-app .lnlib-control .noUi-handle").first
    assert any(
        move_and_watch(pages[0], apps[0], handle, press(pages[0], handle, key), "tab 1", 30)
        for key in ("End", "Home")
    )
    time.sleep(1.0)  # time enough for a stray message to reach the other tabs
    assert signature(apps[0]) != before[0]
    assert [signature(app) for app in apps[1:]] == before[1:], "moving tab 1's slider changed another tab"
    for page in pages:
        assert_no_error_text(page, "three tabs")


@pytest.mark.notebook_page("after_reset", notebook=notebook(4))
def test_live_training_button_draws_a_loss_curve_as_it_goes(notebook_page):
    page = notebook_page(notebook(4))
    app_locator = page.locator(".lnlib-app", has=page.locator(".lnlib-train-button"))
    assert app_locator.count() == 1
    app = app_locator.element_handle()
    before = signature(app)
    app_locator.locator(".lnlib-train-button").click()
    during = wait_for_change(page, app, before, "live training, first drawing")
    after = wait_for_change(page, app, during, "live training, a later drawing")  # drawn as it goes
    assert "Something went wrong" not in after
    page.wait_for_function(
        "app => !app.querySelector('.lnlib-train-button').disabled", arg=app, timeout=120_000
    )
    assert_no_error_text(page, "after live training")


def test_reloading_mid_training_leaves_no_kernel_behind_when_voila_stops(new_page, voila_servers):
    import psutil

    process, url = voila_servers.start("reload")
    page = new_page()
    open_notebook(page, url, notebook(4))
    app = page.locator(".lnlib-app", has=page.locator(".lnlib-train-button")).element_handle()
    before = signature(app)
    page.locator(".lnlib-train-button").first.click()
    wait_for_change(page, app, before, "live training before the reload")  # training is under way
    # Voila starts a kernel for the reloaded page and runs the notebook in it
    page.reload(wait_until="commit")
    deadline = time.monotonic() + 60
    while len(kernel_processes(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    kernels = kernel_processes(process.pid)
    assert len(kernels) == 2, f"{len(kernels)} kernel(s), not the training page's and the reloaded page's"
    voila_servers.stop(process)
    _, alive = psutil.wait_procs(kernels, timeout=20)
    assert not alive, f"kernels left running after Voila stopped: {[k.pid for k in alive]}"


def test_a_closed_pages_kernel_is_shut_down_and_an_open_idle_pages_kernel_is_kept(new_page, voila_servers):
    forget_after = 3.0  # seconds (ten minutes when presenting); Voila looks every 2 s
    process, url = voila_servers.start("closed-pages", forget_closed_after=forget_after)
    kept, closed = new_page(), new_page()
    open_notebook(kept, url, notebook(0))
    open_notebook(closed, url, notebook(0))
    assert len(kernel_processes(process.pid)) == 2
    closed.close()
    deadline = time.monotonic() + 60
    while len(kernel_processes(process.pid)) > 1 and time.monotonic() < deadline:
        time.sleep(1.0)
    assert len(kernel_processes(process.pid)) == 1, "the closed page's kernel is still running"
    time.sleep(2 * forget_after)  # the open page has sat idle for well over the time limit
    assert len(kernel_processes(process.pid)) == 1, "the open page's kernel was shut down"
    app = kept.locator(".lnlib-app").first.element_handle()
    handle = app.query_selector(".lnlib-control .noUi-handle")
    assert move_and_watch(kept, app, handle, press(kept, handle, "End"), "s on the idle page", 30)
    assert_no_error_text(kept, "the page left open")


def table_row(table, first_cell: str) -> list:
    """The cells of the row of an HTML table whose first cell is ``first_cell``."""
    rows = table.evaluate(
        "t => [...t.querySelectorAll('tr')].map(r => [...r.children].map(c => c.innerText))"
    )
    matches = [row for row in rows if row and row[0].strip() == first_cell]
    assert matches, f"no row {first_cell!r} in the table"
    return matches[0]


def as_number(text: str) -> float:
    """A table cell as a number: '1.3999996', '-7', '13/5' (a minus may be typed as '−')."""
    from fractions import Fraction

    return float(Fraction(text.strip().replace("−", "-")))


@pytest.mark.notebook_page("after_reset", notebook=notebook(2))
def test_worked_example_table_shows_what_lnlib_computes_for_the_new_slider_values(notebook_page):
    import numpy as np

    from lnlib import functional
    from lnlib.nb02_worked_example_four_neurons import worked_example

    page = notebook_page(notebook(2))
    app_locator = page.locator(".lnlib-app", has_text="Four neurons by hand")
    app = app_locator.element_handle()
    controls = {
        control.locator(".widget-label").first.inner_text(): control
        for control in app_locator.locator(".lnlib-control").all()
    }
    selector = next(control for label, control in controls.items() if label.startswith("neuron"))
    sliders = {label[0]: control for label, control in controls.items() if not label.startswith("neuron")}
    moves = [(3, "x", "End"), (1, "γ", "Home"), (4, "β", None)]  # neuron, slider, key (None: the mouse)
    for neuron, symbol, key in moves:
        button = selector.locator("button", has_text=str(neuron))
        if "mod-active" not in (button.get_attribute("class") or ""):
            before = signature(app)
            button.click()
            wait_for_change(page, app, before, f"neuron {neuron}")
        handle = sliders[symbol].locator(".noUi-handle")
        move = press(page, handle, key) if key else drag(page, handle, 0.8)
        what = f"neuron {neuron}, {symbol}"
        assert move_and_watch(page, app, handle, move, what, 30), f"{what}: the table did not change"
    wait_until_settled(app)  # a drag sends several values; the table must show the last one

    board = app_locator.locator("table.lnlib-table").first.element_handle()
    x, gamma, beta = (
        np.array([as_number(c) for c in table_row(board, row)[2:6]])
        for row in ("neuron values", "scale", "shift")
    )
    assert x[2] == 20.0 and gamma[0] == -3.0  # the ends the keys moved them to
    assert beta[3] != worked_example.example().beta[3]  # the mouse moved neuron 4's β
    eps = float(worked_example.example().eps)
    expected_x_hat = functional.layer_norm(x, 4, eps=eps)
    expected_y = functional.layer_norm(x, 4, gamma, beta, eps=eps)
    shown_x_hat = [as_number(c) for c in table_row(board, "normalized")[2:6]]
    shown_y = [as_number(c) for c in table_row(board, "output")[2:6]]
    np.testing.assert_allclose(shown_x_hat, expected_x_hat, atol=1e-6)  # the table shows 7 decimals
    np.testing.assert_allclose(shown_y, expected_y, atol=1e-6)


def feedback_text(question) -> str:
    question.locator(".lnlib-feedback").wait_for(timeout=30_000)
    return question.locator(".lnlib-feedback").inner_text()


def check_and_wait_for(question, text: str) -> None:
    """Press the question's Check button and wait until its feedback says ``text``."""
    question.locator("button", has_text="Check").click()
    question.page.wait_for_function(
        "([e, s]) => { const f = e.querySelector('.lnlib-feedback'); return f && f.innerText.includes(s); }",
        arg=[question.element_handle(), text],
        timeout=30_000,
    )


@pytest.mark.notebook_page("after_reset", notebook=notebook(2))
def test_the_exercise_of_notebook_02_is_answered_through_its_boxes(notebook_page):
    from lnlib import functional
    from lnlib.nb02_worked_example_four_neurons import worked_example

    neurons, neuron = worked_example.exercise()
    values, gamma, beta = neurons.as_arrays()
    eps, i = float(neurons.eps), neuron - 1
    x_hat = functional.layer_norm(values, 4, eps=eps)[i]
    y = functional.layer_norm(values, 4, gamma, beta, eps=eps)[i]
    page = notebook_page(notebook(2))
    exercise = page.locator(".lnlib-exercise", has=page.locator(".lnlib-answer-normalized"))
    solution_button = exercise.locator(".lnlib-solution-button")
    assert not solution_button.is_visible(), "the solution is offered before any attempt"
    exercise.locator(".lnlib-answer-normalized input").fill(f"{-x_hat:.4f}")  # a typical slip: the sign
    exercise.locator(".lnlib-answer-output input").fill(f"{y:.4f}")
    check_and_wait_for(exercise, "sign")
    text = feedback_text(exercise)
    assert "✗ Not yet." in text and "Check the sign" in text
    solution_button.wait_for(state="visible", timeout=30_000)
    solution_button.click()
    exercise.locator(".lnlib-solution", has_text="Worked solution").wait_for(timeout=30_000)
    exercise.locator(".lnlib-answer-normalized input").fill(f"{x_hat:.3f}")
    check_and_wait_for(exercise, "✓ Right.")
    assert_no_error_text(page, "notebook 02's exercise")


@pytest.mark.notebook_page("before_reset", notebook=notebook(3))
def test_notebook_03_prediction_unlocks_its_slider_and_its_questions_answer(notebook_page):
    from lnlib.nb03_bn_vs_ln_axes import questions

    page = notebook_page(notebook(3))
    prediction = page.locator(".lnlib-prediction").first
    app = page.locator(".lnlib-app.lnlib-locked").first.element_handle()  # the cell after the prediction
    handle = app.query_selector(".lnlib-control .noUi-handle")
    before = slider_value(handle)
    handle.focus()
    page.keyboard.press("End")
    time.sleep(1.0)
    assert slider_value(handle) == before, "the slider moved before a prediction was made"
    commit_prediction(page, prediction, option=0)  # a wrong prediction unlocks it too, and says why
    assert "✗ Not yet." in feedback_text(prediction)
    unlocked = app_state(app)
    assert move_and_watch(page, app, handle, press(page, handle, "End"), "B after the prediction", 30)
    app.query_selector(".lnlib-reset").click()  # leave the shared page as found
    wait_for_state(app, unlocked, "the app behind the prediction, after Reset", equal=True)
    made = questions.bias_before_batch_norm()
    keys = [key for _, key in made.choice.options]
    question = page.locator(".lnlib-exercise", has_text="bias=False")
    wrong = next(k for k in keys if k != made.answer)
    question.locator("input[type=radio]").nth(keys.index(wrong)).check()
    check_and_wait_for(question, made.slips[wrong][:40])
    question.locator("input[type=radio]").nth(keys.index(made.answer)).check()
    check_and_wait_for(question, "✓ Right.")
    assert_no_error_text(page, "notebook 03's questions")


@pytest.mark.notebook_page("after_reset", notebook=notebook(3))
def test_the_exercise_of_notebook_03_is_answered_through_its_boxes(notebook_page):
    from lnlib.nb03_bn_vs_ln_axes import exercise as running_exercise

    mean, var = running_exercise.answer()
    page = notebook_page(notebook(3))
    exercise = page.locator(".lnlib-exercise", has=page.locator(".lnlib-answer-running_mean"))
    exercise.locator(".lnlib-answer-running_mean input").fill("4.5")  # the momentum the other way round
    exercise.locator(".lnlib-answer-running_var input").fill(f"{var:.4f}")
    check_and_wait_for(exercise, "naming")
    exercise.locator(".lnlib-answer-running_mean input").fill(f"{mean:.3f}")
    check_and_wait_for(exercise, "✓ Right.")
    assert_no_error_text(page, "notebook 03's exercise")


# What the learner sees of an app, figures by their pixels (each re-draw gets a new blob URL, the same picture
# the same pixels): the controls' readouts and chosen buttons, the text of its outputs and note, its figures.
APP_STATE = """app => [
    [...app.querySelectorAll('.lnlib-control')].map(c => {
        const readout = c.querySelector('.widget-readout');
        const active = c.querySelector('button.mod-active');
        return readout ? readout.innerText : active ? active.innerText : '';
    }).join('|'),
    [...app.querySelectorAll('.lnlib-output, .lnlib-note')].map(e => e.textContent).join('|'),
    [...app.querySelectorAll('img.lnlib-figure')].map(img => {
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
        canvas.getContext('2d').drawImage(img, 0, 0);
        return canvas.toDataURL();
    }).join('|')]"""


def app_state(app) -> list:
    return app.evaluate(APP_STATE)


def wait_for_state(app, wanted: list, what: str, equal: bool, seconds: float = 60) -> None:
    """Wait until the app shows ``wanted`` (``equal``) or something else than it (not ``equal``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (app_state(app) == wanted) == equal:
            return
        time.sleep(0.3)
    parts = ["controls", "text", "figures"]
    now = app_state(app)
    differing = [part for part, a, b in zip(parts, now, wanted) if a != b]
    raise AssertionError(f"{what}: {'still differs in ' + str(differing) if equal else 'nothing changed'}")


def move_first_control(page, control) -> None:
    """Move a control away from where it is: a slider to its other end, a row of buttons to another button."""
    classes = control.get_attribute("class")
    if "widget-slider" in classes:
        handle = control.locator(".noUi-handle").first
        handle.focus()
        before = slider_value(handle)
        page.keyboard.press("End")
        if slider_value(handle) == before:
            page.keyboard.press("Home")
    elif "widget-toggle-buttons" in classes:
        control.locator("button:not(.mod-active)").first.click()
    else:
        pytest.fail(f"the Reset test does not know this kind of control ({classes})")


@pytest.mark.notebook_page("reset")
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_apps_reset_button_brings_back_its_controls_and_what_it_shows(notebook_page, name):
    page = notebook_page(name)
    commit_open_predictions(page)
    apps = page.locator(".lnlib-app")
    for app_index in range(apps.count()):
        app_locator = apps.nth(app_index)
        app, what = app_locator.element_handle(), f"{name}, app {app_index + 1}"
        reset = app_locator.locator(".lnlib-reset")
        assert reset.count() == 1, f"{what} has no Reset button"
        start = app_state(app)
        move_first_control(page, app_locator.locator(".lnlib-control").first)
        wait_for_state(app, start, f"{what}, after moving its first control", equal=False)
        reset.click()
        wait_for_state(app, start, f"{what}, after Reset", equal=True)
    assert_no_error_text(page, f"{name} after every Reset")


@pytest.mark.notebook_page("after_reset", notebook=notebook(5))
def test_the_whole_layer_norm_backward_of_notebook_05_is_answered_node_by_node(notebook_page):
    import re

    from lnlib.nb05_backward_by_hand import backward_exercise as exercise

    def typed(values) -> str:
        return ", ".join(f"{v:.6g}" for v in values)

    def wait_for_text(text: str) -> None:
        page.wait_for_function(
            "([app, text]) => app.innerText.includes(text)", arg=[app, text], timeout=30_000
        )

    page = notebook_page(notebook(5))
    app_locator = page.locator(".lnlib-app", has=page.locator(".lnlib-answer"))
    app = app_locator.element_handle()
    box, check = app_locator.locator(".lnlib-answer input"), app_locator.locator(".lnlib-check")
    for question in exercise.QUESTIONS:
        exact = re.compile(f"^{re.escape(question.symbol)}$")
        app_locator.locator(".lnlib-control button").filter(has_text=exact).click()
        wait_for_text(f"Enter {question.symbol}")
        slip, sentence = exercise.slips(question.node)[0]
        box.fill(typed(slip))
        check.click()
        wait_for_text(f"❌ Not yet: {sentence[:40]}")
        box.fill(typed(exercise.answer(question.node)))
        check.click()
        wait_for_text(f"✅ Right: {question.symbol}")
    wait_for_text(f"Solved {len(exercise.QUESTIONS)} of {len(exercise.QUESTIONS)}")
    app_locator.locator(".lnlib-reset").click()
    wait_for_text(f"Solved 0 of {len(exercise.QUESTIONS)}")
    assert_no_error_text(page, "notebook 05's backward exercise")


@pytest.mark.notebook_page("as_loaded", notebook=notebook(3))
def test_notebook_03_ends_with_the_summary_of_bn_and_ln_on_one_screen(notebook_page):
    from lnlib.nb03_bn_vs_ln_axes import summary

    page = notebook_page(notebook(3))
    with projector_viewport(page):
        assert_summary_fits_one_screen(page, summary)


def assert_summary_fits_one_screen(page, summary) -> None:
    shown = page.locator(".lnlib-summary")
    assert shown.count() == 1
    rows = shown.locator("tbody tr")
    assert [rows.nth(i).locator("th").inner_text() for i in range(rows.count())] == [
        aspect for aspect, _, _ in summary.rows()
    ]
    text = shown.inner_text()
    for norm in ("batch", "layer"):
        assert summary.axes_text(norm) in text
    cell = shown.locator("xpath=ancestor::div[@cell-index]")
    assert cell.bounding_box()["height"] <= PROJECTOR["height"], (
        "the summary does not fit one screen at 1280 × 720"
    )
    import nbformat

    cells = nbformat.read(paths.NOTEBOOKS / notebook(3), as_version=4).cells
    where = next(i for i, c in enumerate(cells) if "summary.summary_html()" in c.source)
    after = [c.metadata.get("slideshow", {}).get("slide_type") for c in cells[where + 1 :]]
    assert set(after) <= {"notes"}, "the summary is not notebook 03's last slide"


CHINESE_NOTEBOOKS = [f"{paths.CHINESE_NOTEBOOKS.name}/{path.name}" for path in paths.notebooks("zh")]


@pytest.mark.notebook_page("as_loaded")
@pytest.mark.parametrize("name", CHINESE_NOTEBOOKS)
def test_chinese_notebook_renders_in_chinese_with_no_traceback(notebook_page, name):
    """The Chinese edition in Voila: its kernel starts in notebooks/zh/, so prose and apps speak Chinese."""
    page = notebook_page(name)
    assert_no_error_text(page, f"{name} after loading")
    text = page.inner_text("body")
    chinese = sum("\u4e00" <= character <= "\u9fff" for character in text)
    latin = sum(character.isascii() and character.isalpha() for character in text)
    assert chinese > latin, f"{name}: {chinese} Chinese characters against {latin} Latin letters"
    notes = page.locator(".lnlib-app .lnlib-note")
    assert notes.count() >= 1, f"{name} shows no app"
    first_note = notes.first.inner_text()
    assert not first_note or any("\u4e00" <= c <= "\u9fff" for c in first_note), first_note
    assert_figures_described(page, "zh-CN", name)
    first_alt = page.locator("img.lnlib-figure").first.get_attribute("alt")
    assert any("\u4e00" <= c <= "\u9fff" for c in first_alt), (
        f"{name}: the first figure's alt text {first_alt!r}"
    )
