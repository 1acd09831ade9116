"""Benchmarks, as ratios measured in one run: ``python -m lnlib bench [section ...]``.

Sections (all of them when none is named):

- ``norms``: ``lnlib.functional`` (NumPy) and ``lnlib.nn`` against ``torch.nn.functional``, forward
  and backward, for layer, batch, group and instance norm at three float32 shapes (instance norm at
  the one with positions);
- ``sliders``: the time from moving each control of each notebook app to its re-drawn output;
- ``notebooks``: the time to run each notebook top to bottom in a fresh kernel;
- ``cells``: the slowest cells of each notebook, and its kernel's start;
- ``cost``: layer norm against batch norm, time and memory, forward and backward, at a growing
  feature dimension (the tables of notebook 06, § 4);
- ``training``: one training step of notebook 04's toy Transformer (4 blocks, batch 16 × 16 tokens,
  Adam) for each norm, built from ``lnlib.nn`` against the same model built from ``torch.nn``;
- ``interactive``: the time from opening each notebook in headless Chromium (1280 × 720) to its
  first slider, cold (plain Voila), through ``present NN`` (preheated kernels) and through one
  ``present all`` (the notebooks opened one after the other), against a notebook with one ipywidgets
  slider served cold in the same run;
- ``slides``: each slide's height at 1280 × 720 and its number of controls (``lnlib.tools.slides``);
- ``languages``: the Chinese edition against the English one: every control of every app moved
  across its range in each language in turns, and each notebook run top to bottom in each language
  in turns (the aim: within 10 %).

Its size is earned by one concern: every measurement of the course's speed, one section each, so that
``python -m lnlib bench`` is the one place to look. Machines are shared and noisy, so no test asserts a
time: this command measures, and the figures go in the closing notes. The implementations being
compared are timed in turns, round after round, so that a slow spell of the machine hits them all alike.
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np

from lnlib.support.determinism import torch_threads

SHAPES = [(32, 128), (4096, 1024), (64, 256, 768)]
NORMS = ("layer_norm", "batch_norm", "group_norm", "instance_norm")
GROUPS = 8  # group_norm's groups (fewer where the channels are not a multiple of 8)


def _timed(function):
    """A timer: calls ``function`` and returns the seconds it took."""

    def timer() -> float:
        start = time.perf_counter()
        function()
        return time.perf_counter() - start

    return timer


def _interleaved_medians(timers: dict, rounds: int, seconds_budget: float = 3.0) -> dict:
    """name → median seconds over rounds; each timer returns the seconds of its one timed call.

    The timers run in turns, one call each per round, after one warm-up call each.
    """
    for timer in timers.values():
        timer()  # warm up: first-call allocations and lazy initialisation
    times = {name: [] for name in timers}
    deadline = time.perf_counter() + seconds_budget
    for round_index in range(rounds):
        for name, timer in timers.items():
            times[name].append(timer())
        if round_index >= 4 and time.perf_counter() > deadline:
            break
    return {name: statistics.median(ts) for name, ts in times.items()}


def _norm_cases(kind: str, shape: tuple, rng) -> dict:
    """name → (forward timer, backward timer) for one norm at one shape, float32."""
    import torch
    import torch.nn.functional as F

    from lnlib import functional, nn

    x = rng.standard_normal(shape).astype(np.float32)
    grad = rng.standard_normal(shape).astype(np.float32)
    x_torch, grad_torch = torch.from_numpy(x), torch.from_numpy(grad)
    if kind == "layer_norm":
        features = shape[-1]
        weight = rng.standard_normal(features).astype(np.float32)
        bias = rng.standard_normal(features).astype(np.float32)
        ours = nn.LayerNorm(features)
        torch_forward = lambda x_, w_, b_: F.layer_norm(x_, (features,), w_, b_)  # noqa: E731
        numpy_forward = lambda: functional.layer_norm(x, features, weight, bias)  # noqa: E731
        numpy_backward = lambda: functional.layer_norm_backward(grad, x, features, weight)  # noqa: E731
    else:  # the channel norms: channels in axis 1
        channels = shape[1]
        weight = rng.standard_normal(channels).astype(np.float32)
        bias = rng.standard_normal(channels).astype(np.float32)
        if kind == "batch_norm":
            ours = nn.BatchNorm1d(channels)
            torch_forward = lambda x_, w_, b_: F.batch_norm(x_, None, None, w_, b_, training=True)  # noqa: E731
            numpy_forward = lambda: functional.batch_norm(x, None, None, weight, bias, training=True)  # noqa: E731
            numpy_backward = lambda: functional.batch_norm_backward(grad, x, weight)  # noqa: E731
        elif kind == "group_norm":
            groups = math.gcd(channels, GROUPS)
            ours = nn.GroupNorm(groups, channels)
            torch_forward = lambda x_, w_, b_: F.group_norm(x_, groups, w_, b_)  # noqa: E731
            numpy_forward = lambda: functional.group_norm(x, groups, weight, bias)  # noqa: E731
            numpy_backward = lambda: functional.group_norm_backward(grad, x, groups, weight)  # noqa: E731
        elif kind == "instance_norm":
            instance_modules = {3: nn.InstanceNorm1d, 4: nn.InstanceNorm2d, 5: nn.InstanceNorm3d}
            ours = instance_modules[len(shape)](channels, affine=True)
            torch_forward = lambda x_, w_, b_: F.instance_norm(x_, weight=w_, bias=b_)  # noqa: E731
            numpy_forward = lambda: functional.instance_norm(x, weight=weight, bias=bias)  # noqa: E731
            numpy_backward = lambda: functional.instance_norm_backward(grad, x, weight)  # noqa: E731
        else:
            raise ValueError(f"unknown norm {kind!r}; choose from {', '.join(NORMS)}")
    with torch.no_grad():
        ours.weight.copy_(torch.from_numpy(weight))
        ours.bias.copy_(torch.from_numpy(bias))
    weight_torch = torch.from_numpy(weight).requires_grad_()
    bias_torch = torch.from_numpy(bias).requires_grad_()

    def backward_timer(forward):
        """Times the backward pass alone: the forward pass runs before the clock starts."""

        def timer() -> float:
            with torch.enable_grad():
                output = forward(x_torch.clone().requires_grad_())
                start = time.perf_counter()
                output.backward(grad_torch)
                return time.perf_counter() - start

        return timer

    def forward_timer(forward):
        """Times the forward pass without building the autograd graph."""

        def timer() -> float:
            with torch.no_grad():
                return _timed(forward)()

        return timer

    torch_reference = lambda leaf: torch_forward(leaf, weight_torch, bias_torch)  # noqa: E731
    return {
        "torch.nn.functional": (
            forward_timer(lambda: torch_reference(x_torch)),
            backward_timer(torch_reference),
        ),
        "lnlib.functional (NumPy)": (_timed(numpy_forward), _timed(numpy_backward)),
        "lnlib.nn (from scratch)": (forward_timer(lambda: ours(x_torch)), backward_timer(ours)),
    }


def bench_norms(rounds: int = 30) -> list:
    """Rows of (norm, shape, implementation, forward ms, backward ms, forward ×torch, backward ×torch)."""
    rng = np.random.default_rng(0)
    rows = []
    for kind in NORMS:
        for shape in SHAPES:
            if kind == "instance_norm" and len(shape) < 3:
                continue  # instance norm averages over positions: (N, C) has none
            cases = _norm_cases(kind, shape, rng)
            forward = _interleaved_medians({name: f for name, (f, _) in cases.items()}, rounds)
            backward = _interleaved_medians({name: b for name, (_, b) in cases.items()}, rounds)
            reference = "torch.nn.functional"
            for name in cases:
                rows.append(
                    (
                        kind,
                        "×".join(map(str, shape)),
                        name,
                        forward[name] * 1e3,
                        backward[name] * 1e3,
                        forward[name] / forward[reference],
                        backward[name] / backward[reference],
                    )
                )
    return rows


def print_norms(rows: list) -> None:
    print("\n## Norms, float32, this CPU (medians; ×torch = time / torch.nn.functional's time in this run)\n")
    print("| norm | shape | implementation | forward ms | backward ms | forward ×torch | backward ×torch |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    for kind, shape, name, fwd, bwd, fwd_ratio, bwd_ratio in rows:
        print(f"| {kind} | {shape} | {name} | {fwd:.3f} | {bwd:.3f} | {fwd_ratio:.2f} | {bwd_ratio:.2f} |")


def bench_sliders() -> list:
    """Rows of (app, control, median ms, max ms, moves) for every control of every app."""
    from lnlib import ui

    rows = []
    for app_class in ui.all_apps():
        app = app_class()
        for name in app.controls:
            seconds = _sweep(app, name)
            rows.append(
                (app_class.__name__, name, statistics.median(seconds) * 1e3, max(seconds) * 1e3, len(seconds))
            )
    return rows


def _sweep(app, name: str) -> list:
    """Seconds of each move of ``app``'s control ``name`` across its whole range and back; the control is
    left where it was."""
    from lnlib import ui

    control = app.controls[name]
    default = control.value
    values = ui.control_values(control, count=9)
    seconds = ui.latencies(app, name, values + values[::-1])
    control.value = default
    return seconds


def print_sliders(rows: list) -> None:
    print(
        "\n## Sliders: from a move to the re-drawn output (median of every value across the range, both ways)\n"
    )
    print("| app | control | median ms | max ms | moves |")
    print("| --- | --- | ---: | ---: | ---: |")
    for app, name, median, worst, moves in rows:
        print(f"| {app} | {name} | {median:.1f} | {worst:.1f} | {moves} |")


def bench_notebooks() -> list:
    """Rows of (notebook, seconds) to run each notebook top to bottom in a fresh kernel."""
    from lnlib.support.paths import notebooks

    return [(path.name, _seconds_to_run(path)) for path in notebooks()]


def _seconds_to_run(path) -> float:
    """Seconds to run the notebook at ``path`` top to bottom in a fresh kernel started in its folder."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(notebook, timeout=600, resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def bench_cells(slowest: int = 5) -> list:
    """Rows of (notebook, kernel start s, run s, [(cell index, seconds, first line)] of its slowest cells).

    A cold Voila shows nothing before the last cell has run, so these are what a first page waits for.
    """
    import nbformat
    from nbclient import NotebookClient

    from lnlib.support.paths import notebooks

    rows = []
    for path in notebooks():
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(notebook, timeout=600, resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        with client.setup_kernel():
            started = time.perf_counter()
            cells = []
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code":
                    continue
                before = time.perf_counter()
                client.execute_cell(cell, index)
                first_line = next((line for line in cell.source.splitlines() if line.strip()), "")
                cells.append((index, time.perf_counter() - before, first_line))
        run = sum(seconds for _, seconds, _ in cells)
        rows.append((path.name, started - start, run, sorted(cells, key=lambda c: -c[1])[:slowest]))
    return rows


def print_cells(rows: list) -> None:
    print("\n## Cells: where each notebook's run goes (fresh kernel; the slowest cells)\n")
    print("| notebook | kernel start s | cells s | slowest cells (index: s, code) |")
    print("| --- | ---: | ---: | --- |")
    for name, start, run, slowest in rows:
        cells = "; ".join(f"{index}: {seconds:.2f} `{line[:50]}`" for index, seconds, line in slowest)
        print(f"| {name} | {start:.1f} | {run:.1f} | {cells} |")


def print_notebooks(rows: list) -> None:
    print("\n## Notebooks: top to bottom in a fresh kernel (kernel start included)\n")
    print("| notebook | seconds |")
    print("| --- | ---: |")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.1f} |")


def bench_training(rounds: int = 30) -> list:
    """Rows of (norm, placement, implementation, ms per step, ×torch or None): a toy-Transformer training step.

    The models of one norm share their initial weights (same seed) and batch; they are timed in turns.
    """
    import torch

    from lnlib.transformer import training

    config = training.TrainConfig()
    inputs, targets, mask = training.to_tensors(
        training.draw_batch(config, training.task_chain(config), config.batch_size, np.random.default_rng(0))
    )
    rows = []
    for norm in ("layer", "batch", "rms", "none"):
        timers = {}
        for library in ("torch", "lnlib"):
            model = training.build_model(config.replace(norm=norm, norm_library=library))
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, betas=training.ADAM_BETAS, fused=True)

            def step(model=model, optimizer=optimizer) -> None:
                loss = training.masked_cross_entropy(model(inputs, mask), targets, mask)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

            timers["torch.nn" if library == "torch" else "lnlib.nn"] = _timed(step)
            if norm == "none":
                break  # no norm modules: the baseline, nothing to compare
        with torch_threads(deterministic=True):
            medians = _interleaved_medians(timers, rounds)
        for name, seconds in medians.items():
            ratio = None if norm == "none" else seconds / medians["torch.nn"]
            rows.append(
                (norm, config.placement, "— (no norm)" if norm == "none" else name, seconds * 1e3, ratio)
            )
    return rows


def print_training(rows: list) -> None:
    print(
        "\n## Training step of the toy Transformer (4 blocks, d 64, batch 16 × 16 tokens, forward + backward + "
        "Adam; one thread; ×torch = time / the torch.nn model's time in this run)\n"
    )
    print("| norm | placement | norm modules | ms per step | ×torch |")
    print("| --- | --- | --- | ---: | ---: |")
    for norm, placement, name, milliseconds, ratio in rows:
        print(
            f"| {norm} | {placement} | {name} | {milliseconds:.2f} | {'—' if ratio is None else f'{ratio:.2f}'} |"
        )


def bench_cost() -> tuple:
    """``(time rows, memory rows)`` of layer norm against batch norm (notebook 06, § 4)."""
    from lnlib.nb06_claims_tested import time_and_memory

    return time_and_memory.time_forward_backward(rounds=15), time_and_memory.memory_rows()


def print_cost(rows: tuple) -> None:
    times, memory = rows
    print("\n## Layer norm against batch norm: time (forward and backward) and memory\n")
    print("| D | N | LN ms | BN ms | LN / BN |\n| ---: | ---: | ---: | ---: | ---: |")
    for features, batch, layer, batch_time in times:
        print(
            f"| {features} | {batch} | {layer * 1e3:.3f} | {batch_time * 1e3:.3f} | {layer / batch_time:.2f} |"
        )
    print(
        "\n| D | N | norm | input kept (bytes) | statistics and buffers | NumPy peak |\n"
        "| ---: | ---: | --- | ---: | ---: | ---: |"
    )
    for features, batch, kind, kept, extra, peak in memory:
        print(f"| {features} | {batch} | {kind} | {kept:,} | {extra:,} | {peak:,} |")


ONE_SLIDER = "one_slider.ipynb"


def write_one_slider_notebook(folder) -> str:
    """Write the baseline of ``interactive``, a notebook with one ipywidgets slider, into ``folder``; its name."""
    import nbformat

    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# One slider"),
            nbformat.v4.new_code_cell("import ipywidgets\n\nipywidgets.FloatSlider(description='x')"),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(notebook, f"{folder}/{ONE_SLIDER}")
    return ONE_SLIDER


def _seconds_to_interactive(chromium, notebook, preheat: int, log) -> float:
    """Start a Voila of its own for ``notebook`` (with ``preheat`` kernels heated and ready, as ``present``
    waits for them), time its page to the first control, and stop Voila and its kernels by PID."""
    from lnlib.tools import browser, present

    process, url = present.start_voila(notebook, log=log, preheat=preheat)
    try:
        if preheat:
            present.wait_until_preheated(process, url, preheat)
        return browser.seconds_to_first_control(chromium, url)
    finally:
        present.stop_voila(process)


def _present_all_seconds(chromium, log, refill_delay: float | None = None) -> dict:
    """Start ``python -m lnlib present all``'s Voila, wait until it is ready, and open the English
    notebooks one after the other, as a lecturer does: name → seconds to its first control. Voila and
    its kernels are stopped by PID at the end. ``refill_delay``: as ``present.start_voila``'s (None:
    ``present``'s own)."""
    from lnlib.support.paths import notebooks
    from lnlib.tools import browser, present

    delay = present.REFILL_DELAY_SECONDS if refill_delay is None else refill_delay
    process, url, _, heated = present.start_present("all", log=log, refill_delay=delay)
    try:
        present.wait_until_preheated(process, url, heated)
        return {
            path.name: browser.seconds_to_first_control(chromium, f"{url}voila/render/{path.name}")
            for path in notebooks()
        }
    finally:
        present.stop_voila(process)


def bench_interactive(rounds: int = 3) -> list:
    """Rows of (notebook, mode, median seconds to the first slider, ratio to the one-slider notebook).

    Modes: "cold" (plain Voila: a kernel starts and runs the notebook when the page asks), "present"
    (``python -m lnlib present NN``: the page takes a kernel that has run the notebook already) and
    "present all" (one ``python -m lnlib present all`` per round, its notebooks opened one after the
    other). The one-slider notebook, served cold, is the baseline. Every page but those of "present all"
    has a Voila of its own; each opens in a fresh browser context; the notebooks take turns, round after
    round.
    """
    import tempfile
    from pathlib import Path

    from lnlib.support.paths import notebooks
    from lnlib.tools import browser

    cases = [(Path(path), "cold") for path in notebooks()] + [(Path(path), "present") for path in notebooks()]
    times = {(path.name, mode): [] for path, mode in cases}
    times |= {(path.name, "present all"): [] for path in notebooks()}
    with tempfile.TemporaryDirectory() as folder, open(Path(folder) / "voila.log", "w") as log:
        one_slider = Path(folder) / write_one_slider_notebook(folder)
        with browser.chromium() as chromium:
            _seconds_to_interactive(chromium, one_slider, 0, log)  # warm-up: the disk's first reads
            baseline_times = []
            for _ in range(rounds):
                baseline_times.append(_seconds_to_interactive(chromium, one_slider, 0, log))
                for path, mode in cases:
                    seconds = _seconds_to_interactive(chromium, path, 1 if mode == "present" else 0, log)
                    times[(path.name, mode)].append(seconds)
                for name, seconds in _present_all_seconds(chromium, log).items():
                    times[(name, "present all")].append(seconds)
    baseline = statistics.median(baseline_times)
    rows = [(ONE_SLIDER, "cold", baseline, 1.0)]
    for (name, mode), seconds in times.items():
        rows.append((name, mode, statistics.median(seconds), statistics.median(seconds) / baseline))
    return rows


def print_interactive(rows: list) -> None:
    print(
        "\n## Time to interactive: from opening the page in headless Chromium (1280 × 720, empty cache) to the "
        "first slider drawn (medians; × = time / the one-slider notebook's, served cold, in this run)\n"
    )
    baseline = next(seconds for name, _, seconds, _ in rows if name == ONE_SLIDER)
    print(f"One-slider notebook (ipywidgets only), cold: {baseline:.2f} s\n")
    print("| notebook | cold s | cold × | present s | present × | present all s | present all × |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    by_notebook = {}
    for name, mode, seconds, ratio in rows:
        by_notebook.setdefault(name, {})[mode] = (seconds, ratio)
    for name, modes in by_notebook.items():
        if name == ONE_SLIDER:
            continue
        cells = [
            f"{modes[mode][0]:.2f} | {modes[mode][1]:.2f}" for mode in ("cold", "present", "present all")
        ]
        print(f"| {name} | {' | '.join(cells)} |")


def bench_slides() -> list:
    """Every slide of every notebook: rows of ``lnlib.tools.slides.Slide``."""
    from lnlib.tools import slides

    return slides.measure_all()


def print_slides(rows: list) -> None:
    from lnlib.tools import slides

    print("\n" + slides.table(rows))


def _slider_seconds(app_class, rounds: int) -> dict:
    """language → every move's seconds, moving each control of an ``app_class`` app built in that
    language across its range and back, the two languages in turns, ``rounds`` times."""
    from lnlib.support import language

    apps = {}
    for code in ("en", "zh"):
        language.use(code)
        apps[code] = app_class()
    seconds = {code: [] for code in apps}
    try:
        for _ in range(rounds):
            for name in apps["en"].controls:
                for code, app in apps.items():
                    language.use(code)
                    seconds[code] += _sweep(app, name)
    finally:
        language.use(None)
    return seconds


def bench_languages(rounds: int = 3, notebook_rounds: int = 3) -> tuple:
    """(slider rows, notebook rows): the Chinese edition against the English one, measured in turns.

    Slider rows: (app, English median ms, Chinese median ms) over every move of every control, ``rounds``
    times. Notebook rows: (notebook, English s, Chinese s), the median of ``notebook_rounds`` runs top to
    bottom in a fresh kernel, the two editions in turns.
    """
    from lnlib import ui
    from lnlib.support.paths import notebooks
    from lnlib.tools.translations import partner

    sliders = []
    for app_class in ui.all_apps():
        seconds = _slider_seconds(app_class, rounds)
        sliders.append(
            (
                app_class.__name__,
                statistics.median(seconds["en"]) * 1e3,
                statistics.median(seconds["zh"]) * 1e3,
            )
        )
    runs = []
    for path in notebooks():
        seconds = [(_seconds_to_run(path), _seconds_to_run(partner(path))) for _ in range(notebook_rounds)]
        english, chinese = zip(*seconds)
        runs.append((path.name, statistics.median(english), statistics.median(chinese)))
    return sliders, runs


def print_languages(rows: tuple) -> None:
    sliders, runs = rows
    print("\n## Languages: the Chinese edition against the English one (measured in turns, one run)\n")
    print("| app | English median ms | Chinese median ms | Chinese ÷ English |")
    print("| --- | ---: | ---: | ---: |")
    for app, english, chinese in sliders:
        print(f"| {app} | {english:.2f} | {chinese:.2f} | {chinese / english:.2f} |")
    ratio = statistics.geometric_mean(chinese / english for _, english, chinese in sliders)
    print(f"\nSlider latency, Chinese ÷ English, geometric mean over {len(sliders)} apps: {ratio:.3f}\n")
    print("| notebook | English s (median) | Chinese s (median) | Chinese ÷ English |")
    print("| --- | ---: | ---: | ---: |")
    for name, english, chinese in runs:
        print(f"| {name} | {english:.1f} | {chinese:.1f} | {chinese / english:.2f} |")
    total_en, total_zh = sum(r[1] for r in runs), sum(r[2] for r in runs)
    print(
        f"\nRun time, all notebooks: English {total_en:.1f} s, Chinese {total_zh:.1f} s, "
        f"Chinese ÷ English {total_zh / total_en:.3f}"
    )


SECTIONS = {
    "norms": (bench_norms, print_norms),
    "sliders": (bench_sliders, print_sliders),
    "notebooks": (bench_notebooks, print_notebooks),
    "cells": (bench_cells, print_cells),
    "training": (bench_training, print_training),
    "cost": (bench_cost, print_cost),
    "interactive": (bench_interactive, print_interactive),
    "slides": (bench_slides, print_slides),
    "languages": (bench_languages, print_languages),
}


def run(sections=()) -> None:
    """Measure and print the named sections (all of them when none is named)."""
    import torch

    unknown = [name for name in sections if name not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown section {unknown[0]!r}; choose from {', '.join(SECTIONS)}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; numpy {np.__version__}")
    for name in sections or list(SECTIONS):
        measure, report = SECTIONS[name]
        report(measure())
