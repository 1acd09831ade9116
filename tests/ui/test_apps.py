"""Every interactive app of every notebook, driven without a browser, as a learner would drag it.

Each control is moved across its whole range, both ends included: the app must answer every value
(with a result, or with a sentence that explains an extreme case), never fail, and each control must
change something the learner sees.
"""

import pytest

from lnlib import ui
from lnlib.support import language

APPS = ui.all_apps()

# Every app of the course, by name: a package move that hides an app from the registry fails here
# instead of silently testing fewer apps.
EXPECTED_APPS = {
    "FirstSlider",
    "FormulaStepsApp",
    "GeometryApp",
    "EpsGapApp",
    "RandomAffineApp",
    "TanhRangeApp",
    "WorkedExampleApp",
    "BatchBesideLayerApp",
    "SharingApp",
    "GroupNormApp",
    "BatchSizeApp",
    "TrainEvalApp",
    "PaddingApp",
    "ConventionsApp",
    "TransformerInitGradientApp",
    "TransformerWarmupApp",
    "TransformerLearningRateApp",
    "TransformerBatchNormApp",
    "TransformerLiveTrainingApp",
    "LayerNormGradientApp",
    "BatchCouplingApp",
    "BackwardExerciseApp",
    "MemoryApp",
    "ShardStatisticsApp",
    "LearningRateApp",
    "RecurrentNoiseApp",
    "MyModelApp",
    "DigitsInitApp",
    "DigitsTrainingApp",
    "DigitsLiveTrainingApp",
}


def test_the_registry_finds_every_app_of_the_course():
    names = [cls.__name__ for cls in APPS]
    assert len(names) == len(set(names)), f"two apps share a name: {sorted(names)}"
    assert set(names) == EXPECTED_APPS, (
        f"missing: {sorted(EXPECTED_APPS - set(names))}, unexpected: {sorted(set(names) - EXPECTED_APPS)}"
    )


@pytest.fixture
def speaking(request):
    """The language of the test's apps ("en" or "zh"), set for the test and reset after it."""
    language.use(request.param)
    yield request.param
    language.use(None)


@pytest.mark.parametrize("speaking", ["en", "zh"], indirect=True)
@pytest.mark.parametrize("app_class", APPS, ids=[cls.__name__ for cls in APPS])
def test_every_control_answers_every_value_of_its_range(app_class, speaking):
    """In both editions: a translated message that lost a placeholder would fail here, not in a lecture."""
    app = app_class()
    assert app.status == "ok", f"{app_class.__name__} fails at its defaults: {app.error!r}"
    for name, control in app.controls.items():
        default = control.value
        for value in ui.control_values(control):
            control.value = value
            assert app.status in ("ok", "explained"), f"{name} = {value!r}: {app.error!r}"
            assert "Traceback" not in app.note.value
        control.value = default
        assert app.status == "ok", f"{app_class.__name__} does not recover when {name} returns to {default!r}"


@pytest.mark.parametrize("app_class", APPS, ids=[cls.__name__ for cls in APPS])
def test_every_control_changes_what_the_learner_sees(app_class):
    app = app_class()
    for name, control in app.controls.items():
        default, before = control.value, app.snapshot()
        changed = False
        for value in ui.control_values(control):
            if value != default:
                control.value = value
                changed = changed or app.snapshot() != before
        control.value = default
        assert changed, f"{app_class.__name__}: moving {name!r} changes nothing on the page"
        assert app.snapshot() == before, (
            f"{app_class.__name__}: {name!r} back at {default!r} shows something else"
        )


@pytest.mark.parametrize("app_class", APPS, ids=[cls.__name__ for cls in APPS])
def test_every_app_has_a_reset_button_that_restores_its_start(app_class):
    app = app_class()
    before = app.snapshot()
    assert (
        app.reset_button in app.controls_box.children
        and app.controls_box in app.widget.children
        and app.reset_button.description == "Reset"
    )
    for control in app.controls.values():
        values = [v for v in ui.control_values(control) if v != control.value]
        if values:
            control.value = values[-1]
    app.reset_button.click()
    assert {name: c.value for name, c in app.controls.items()} == app.defaults
    assert app.status == "ok" and app.snapshot() == before
