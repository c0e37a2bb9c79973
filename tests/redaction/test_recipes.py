"""Named recipes: complete, checked settings per method, and the recommended choice."""

import pathlib

import keras
import numpy as np
import pytest

from keras_redact.models import WarmupEMAAdam
from keras_redact.redaction import (
    ClassifierRedactionSet,
    DataRedactionSet,
    LamSchedule,
    RedactionGAN,
    ValidityRounds,
    recipes,
)


def test_paper_recipe_is_appendix_d_and_e():
    for method in recipes.METHODS:
        s = recipes.get("paper").settings(method)
        assert (s.lam, s.alpha_plus, s.alpha_minus, s.g_steps, s.epochs) == (
            0.85, 0.95, 0.05, 1, 8)
        assert (s.g_learning_rate, s.d_learning_rate, s.g_ema_momentum) == (2e-4, 2e-4, 0.0)
        assert (s.tau, s.queries_per_round, s.lam_schedule) == (0.5, 1000, None)
    cifar = recipes.get("paper_cifar10").settings("data")
    assert (cifar.lam, cifar.alpha_plus, cifar.g_steps, cifar.epochs) == (0.8, 0.9, 1, 30)
    stl = recipes.get("paper_stl10").settings("validity")
    assert (stl.lam, stl.alpha_plus, stl.g_steps, stl.epochs) == (0.8, 0.9, 5, 40)


def test_small_data_settings_reach_the_model_for_every_method():
    recipe, paper = recipes.get("small_data"), recipes.get("paper")
    g = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    for method in recipes.METHODS:
        s = recipe.settings(method)
        omega = (ClassifierRedactionSet(lambda x: x[:, 0] * 0 + 1.0, tau=s.tau)
                 if method == "classifier" else DataRedactionSet(np.ones((4, 2), np.float32)))
        model = RedactionGAN(g, d, omega, seed=0)
        model.compile(**s.compile_kwargs(steps_per_epoch=56))
        assert (model.lam, model.alpha_plus, model.alpha_minus, model.g_steps) == (
            s.lam, s.alpha_plus, s.alpha_minus, s.g_steps)
        # G's weight average starts after g_ema_start_epochs epochs of K_G updates each.
        assert model.g_optimizer.ema_start == s.g_ema_start_epochs * 56 * s.g_steps
        # Small data: more generator updates per batch than the paper's recipe.
        assert s.g_steps > paper.settings(method).g_steps
    assert recipe.settings("classifier").redaction_classifier_path().is_file()
    assert recipe.command and recipe.measured_on


def test_a_measured_recipe_names_its_record_and_the_rest_say_unmeasured():
    root = pathlib.Path(__file__).resolve().parents[2]
    for name in ("paper", "small_data", "conditional"):
        recipe = recipes.get(name)
        assert f"--record={recipe.record}" in recipe.command
        assert (root / recipe.measured).is_file(), recipe.measured
    for name in ("paper_cifar10", "paper_stl10"):
        assert recipes.get(name).measured == "unmeasured"


@pytest.mark.parametrize("steps,shape,name", [
    (56, (28, 28, 1), "small_data"), (199, (96, 96, 3), "small_data"),
    (937, (28, 28, 1), "paper"), (781, (32, 32, 3), "paper_cifar10"),
    (400, (64, 64, 3), "paper_stl10"), (1000, (2,), "paper"), (1000, (784,), "paper"),
    (1000, (64, 64), "paper")])
def test_recommended_rule(steps, shape, name):
    assert recipes.recommended("data", steps, shape) == name
    assert recipes.recommended("data", steps, shape, conditional=True) == "conditional"


def test_conditional_recipe_queries_more_for_rare_off_condition_samples():
    recipe = recipes.get("conditional")
    validity = recipe.settings("validity")
    assert (validity.lam, validity.queries_per_round, validity.g_steps) == (0.6, 5000, 1)
    assert validity.d_learning_rate == 1e-4
    assert recipe.settings("data") == recipes.get("paper").settings("data")


def test_overrides_replace_the_recipes_values():
    recipe = recipes.get("small_data")
    s = recipe.settings("validity", lam=0.7, tau=None, epochs=2)
    assert (s.lam, s.lam_schedule, s.epochs) == (0.7, None, 2)  # lam replaces the schedule
    assert s.first_round_queries == 5000  # not given: the recipe's
    s = recipe.settings("data", lam_schedule=[0.5, 0.6])
    assert (s.lam, s.lam_schedule) == (0.5, (0.5, 0.6))
    with pytest.raises(ValueError, match="Give lam or lam_schedule, not both"):
        recipe.settings("data", lam=0.7, lam_schedule=(0.6,))


@pytest.mark.parametrize("overrides,match", [
    ({"lam": 1.5}, r"lam must be in \(0, 1\); received 1.5"),
    ({"lam_schedule": (0.6, 1.0)}, r"lam must be in \(0, 1\); received 1.0"),
    ({"lam_schedule": ()}, "lam_schedule must hold at least one value; received none"),
    ({"alpha_plus": 0.3}, "alpha_plus must be in"),
    ({"tau": 0.0}, r"tau must be in \(0, 1\); received 0.0"),
    ({"epochs": 0}, "epochs must be a positive integer; received 0"),
    ({"g_steps": True}, "g_steps must be a positive integer; received True"),
    ({"g_learning_rate": 0.0}, "g_learning_rate must be a positive number; received 0.0"),
    ({"d_learning_rate": float("nan")}, "d_learning_rate must be a positive number"),
    ({"g_ema_momentum": 1.0}, r"g_ema_momentum must be in \[0, 1\).*received 1.0"),
    ({"g_ema_momentum": "0.99"}, r"g_ema_momentum must be in \[0, 1\).*received '0.99'"),
    ({"g_ema_start_epochs": -1}, "g_ema_start_epochs must be a non-negative integer"),
    ({"g_ema_start_epochs": 1}, "needs g_ema_momentum above 0"),
    ({"guide_omega": False}, "applies to the classifier method only; received method='data'"),
    ({"jit_compile": "yes"}, "jit_compile must be True, False or 'auto'; received 'yes'"),
    ({"first_round_queries": 5000}, "applies to the validity method only"),
    ({"queries_per_round": 0}, "queries_per_round must be a positive integer; received 0"),
    ({"generator_loss": "hinge"}, "generator_loss must be one of"),
])
def test_each_setting_is_checked_once_in_the_library(overrides, match):
    with pytest.raises(ValueError, match=match):
        recipes.get("paper").settings("data", **overrides)


def test_unknown_recipe_and_method():
    with pytest.raises(ValueError, match=r"recipe must be one of \['conditional', 'paper', "
                                         r"'paper_cifar10', 'paper_stl10', 'small_data'\]; "
                                         r"received 'fast'"):
        recipes.get("fast")
    with pytest.raises(ValueError, match="method must be one of"):
        recipes.get("paper").settings("magic")


def test_register_checks_every_method_and_refuses_a_taken_name():
    with pytest.raises(ValueError, match="A recipe named 'paper' exists already"):
        recipes.register(recipes.Recipe("paper", "again"))
    with pytest.raises(ValueError, match=r"lam must be in \(0, 1\)"):
        recipes.register(recipes.Recipe("broken", "lam 2", common={"lam": 2.0}))
    assert "broken" not in recipes.RECIPES


def test_compile_kwargs_and_callbacks_train_a_redaction_gan():
    s = recipes.get("small_data").settings("validity")
    kwargs = s.compile_kwargs(steps_per_epoch=7)
    g_opt = kwargs["g_optimizer"]
    assert isinstance(g_opt, WarmupEMAAdam) and g_opt.ema_start == 1 * 7 * 5  # epoch 2
    assert float(g_opt.learning_rate) == pytest.approx(2.5e-4)
    assert (kwargs["lam"], kwargs["g_steps"], kwargs["d_steps"]) == (0.6, 5, 1)
    callbacks = s.callbacks(seed=3)
    assert [type(c) for c in callbacks] == [ValidityRounds, LamSchedule]
    assert callbacks[0].first_round_queries == 5000 and callbacks[0].seed == 3
    assert recipes.get("paper").settings("data").callbacks() == []
    # The data recipe compiles and fits a RedactionGAN of any sample shape.
    g = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model = RedactionGAN(g, d, DataRedactionSet(np.ones((4, 2), np.float32)), seed=0)
    data = recipes.get("small_data").settings("data", epochs=1)
    model.compile(**data.compile_kwargs(steps_per_epoch=2))
    history = model.fit(np.zeros((16, 2), np.float32), batch_size=8, epochs=data.epochs,
                        verbose=0, callbacks=data.callbacks())
    assert model.g_optimizer.iterations.numpy() == 2 * 5 and len(history.epoch) == 1
