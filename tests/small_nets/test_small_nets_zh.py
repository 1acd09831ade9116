"""The small-net experiments in Chinese: findings, tables, figures and apps, with every glyph drawn."""

import re

import matplotlib.pyplot as plt
import pytest

from lnlib.small_nets import (
    batch_noise,
    covariate_shift,
    generalization,
    gradient_flow,
    labels,
    learning_rates,
    rnn_noise,
)
from lnlib.support import language, norms

CHINESE = re.compile(r"[\u4e00-\u9fff]")
CACHED = (batch_noise, covariate_shift, generalization, rnn_noise)


@pytest.fixture(autouse=True)
def chinese():
    language.use("zh")
    yield
    language.use(None)
    plt.close("all")


@pytest.mark.parametrize("module", CACHED, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_tables_and_figures_speak_chinese(module):
    results = module.LAB.results()
    assert CHINESE.search(str(module.summary_table(results)).splitlines()[0])
    figure = module.figure(results)
    figure.canvas.draw()  # a missing glyph is an error (pyproject's filterwarnings)
    assert any(CHINESE.search(ax.get_xlabel()) for ax in figure.axes)


def test_learning_rates_and_gradient_flow_in_chinese():
    results = learning_rates.LAB.results()
    assert CHINESE.search(learning_rates.ranges_text(results))
    assert learning_rates.describe_range([]) == "无" and "到" in learning_rates.describe_range([0.03162, 0.1])
    learning_rates.figure(results).canvas.draw()
    assert CHINESE.search(str(gradient_flow.findings()))
    gradient_flow.figure().canvas.draw()


def test_the_arms_keep_their_keys_and_show_chinese_names():
    assert (
        labels.arm_label("batch, m = 8") == "BN，m = 8"
        and labels.arm_label("layer") == norms.get("layer").abbreviation
    )
    language.use("en")
    assert (
        labels.arm_label("batch, m = 8") == "batch, m = 8"
        and labels.arm_label("very noisy batch") == "very noisy batch"
    )


def test_the_apps_run_in_chinese():
    app = rnn_noise.RecurrentNoiseApp()
    for name, value in (("batch", 1), ("batch", 8), ("kind", "layer")):
        app.controls[name].value = value
        assert CHINESE.search(app.note.value), app.note.value
    app.figure.canvas.draw()
    app = learning_rates.LearningRateApp()
    app.controls["lr"].value = 10
    assert "η = 10" in app.note.value and CHINESE.search(app.note.value)
    app.figure.canvas.draw()
