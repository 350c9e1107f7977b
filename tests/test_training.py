"""The fast trainer: same updates as model.fit, deterministic, early stops, NaN guard, checks."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from kit import builders, datasets
from kit.training import TrainingDiverged, compiled, train


@pytest.fixture(scope="module")
def circle():
    return datasets.playground("circle", noise=0, seed=0)


@pytest.fixture(scope="module")
def circle01():
    return datasets.playground("circle", noise=0, seed=0, labels="01")


def _fit_one_epoch(model, data, optimizer, learning_rate, batch_size=10):
    builders.compile_model(model, optimizer, learning_rate)
    # Labels as a column, the shape of the output: the Playground loss given 1-D labels would
    # broadcast (n,) against (n, 1) inside model.fit.
    model.fit(data.x_train, data.y_train[:, None], batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    return model.get_weights()


# 1e-5: float32 round-off over 25 steps differs between model.fit's graph and XLA's fused code
# (~1e-7 per step); a wrong update (lr, averaging, order, a dropped batch) moves weights by ≥1e-3.
EQUIVALENCE_ATOL = 1e-5


@pytest.mark.parametrize("optimizer, learning_rate", [("sgd", 0.03), ("adam", 0.01)])
@pytest.mark.parametrize("head", ["playground", "logistic"])
def test_one_epoch_matches_model_fit(circle, circle01, head, optimizer, learning_rate):
    data = circle if head == "playground" else circle01
    fitted = builders.build_mlp(2, [8, 8], "relu", head=head, seed=3)
    trained = builders.build_mlp(2, [8, 8], "relu", head=head, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(fitted.get_weights(), trained.get_weights()))
    expected = _fit_one_epoch(fitted, data, optimizer, learning_rate)
    train(trained, data, epochs=1, optimizer=optimizer, learning_rate=learning_rate, shuffle=False, verbose=0)
    start = builders.build_mlp(2, [8, 8], "relu", head=head, seed=3).get_weights()
    for got, want, before in zip(trained.get_weights(), expected, start):
        assert not np.allclose(want, before, atol=1e-4)  # the epoch really moved the weights
        np.testing.assert_allclose(got, want, atol=EQUIVALENCE_ATOL)


def test_partial_last_batch_and_penalties_match_model_fit(circle):
    # 250 rows in batches of 16: 15 full batches and one of 10, as model.fit keeps it; the
    # model's own L2 and the trainer's l1 both enter the gradient.
    fitted = builders.build_mlp(2, [4], "tanh", l2=0.01, seed=1)
    trained = builders.build_mlp(2, [4], "tanh", l2=0.01, seed=1)
    expected = _fit_one_epoch(fitted, circle, "sgd", 0.1, batch_size=16)
    train(trained, circle, epochs=1, batch_size=16, optimizer="sgd", learning_rate=0.1, shuffle=False, verbose=0)
    for got, want in zip(trained.get_weights(), expected):
        np.testing.assert_allclose(got, want, atol=EQUIVALENCE_ATOL)
    with_l1 = builders.build_mlp(2, [4], "tanh", l2=0.01, seed=1)
    train(with_l1, circle, epochs=1, batch_size=16, learning_rate=0.1, shuffle=False, l1=0.01, verbose=0)
    assert not np.allclose(with_l1.get_weights()[0], trained.get_weights()[0], atol=1e-4)


@pytest.mark.slow
def test_same_seed_same_weights_other_seed_other_weights(circle):
    def weights(seed):
        model = builders.build_mlp(2, [8, 8], "relu", dropout=0.1, seed=0)  # dropout: seeded state too
        train(model, circle, epochs=5, optimizer="adam", learning_rate=0.01, seed=seed, verbose=0)
        return model.get_weights()

    first, again, other = weights(1), weights(1), weights(2)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_history_has_one_full_split_value_per_epoch(circle):
    model = builders.build_mlp(2, [4, 2], "tanh", seed=0)
    history = train(model, circle, epochs=7, verbose=0)
    assert isinstance(history, keras.callbacks.History)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(values) == 7 for values in history.history.values())
    assert history.epoch == list(range(7))
    # Values are measured on the full splits after the last epoch, so they equal an evaluation.
    builders.compile_model(model)
    loss, accuracy = model.evaluate(circle.x_test, circle.y_test[:, None], batch_size=250, verbose=0)
    assert history.history["val_loss"][-1] == pytest.approx(loss, abs=1e-6)
    assert history.history["val_accuracy"][-1] == pytest.approx(accuracy, abs=1e-6)


def test_stop_when_stops_at_the_first_epoch_meeting_the_target(circle):
    model = builders.build_mlp(2, [4, 2], "tanh", seed=0)
    full = train(model, circle, epochs=40, verbose=0).history["val_loss"]
    target = sorted(full)[len(full) // 2]  # a target this run meets part-way
    first_met = next(i for i, v in enumerate(full) if v <= target)
    model = builders.build_mlp(2, [4, 2], "tanh", seed=0)
    stopped = train(model, circle, epochs=40, verbose=0, stop_when={"val_loss": target}).history
    assert len(stopped["val_loss"]) == first_met + 1
    model = builders.build_mlp(2, [4, 2], "tanh", seed=0)
    by_accuracy = train(model, circle, epochs=40, verbose=0, stop_when={"accuracy": 0.0}).history
    assert len(by_accuracy["accuracy"]) == 1  # accuracy stops at ≥ target: met at once


def test_keras_callbacks_work_unchanged(circle, tmp_path):
    model = builders.build_mlp(2, [4, 2], "tanh", seed=0)
    seen = []
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, min_delta=10.0)
    csv_path = tmp_path / "log.csv"
    callbacks = [stopper, keras.callbacks.CSVLogger(str(csv_path)),
                 keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append((epoch, logs["loss"])))]
    history = train(model, circle, epochs=50, verbose=0, callbacks=callbacks)
    # min_delta=10 means no epoch counts as an improvement: stop after 1 + patience epochs.
    assert len(history.history["loss"]) == 3 and stopper.stopped_epoch == 2
    assert [epoch for epoch, _ in seen] == [0, 1, 2]
    assert len(csv_path.read_text().strip().splitlines()) == 4  # header + 3 epochs


@pytest.mark.parametrize("trainer", ["train", "train_many"])
def test_callbacks_are_handed_the_weights_each_call_left_the_model_with(circle, trainer):
    """A callback with current_weights gets, before the epochs of a call are replayed, the model's
    trainable weights as that call left them: equal to the variables at the epochs it looks at."""
    from kit.training import train_many

    seen = []

    class Watch(keras.callbacks.Callback):
        weights = None

        def needs_model_after(self, epoch):
            return epoch % 3 == 2

        def current_weights(self, weights):
            self.weights = weights

        def on_epoch_end(self, epoch, logs=None):
            if self.needs_model_after(epoch):
                seen.append([(np.asarray(self.weights[id(v)]), np.asarray(v)) for v in self.model.trainable_variables])

    model = builders.build_mlp(2, [4], "tanh", seed=0)
    if trainer == "train":
        train(model, circle, epochs=9, learning_rate=0.1, callbacks=[Watch()], verbose=0)
    else:  # the watched model beside one without callbacks
        other = builders.build_mlp(2, [4], "tanh", seed=1)
        train_many([other, model], circle, epochs=9, learning_rate=0.1, seeds=[0, 0], callbacks=[[], [Watch()]],
                   verbose=0)
    assert len(seen) == 3
    assert all(np.array_equal(handed, variable) for step in seen for handed, variable in step)
    assert not np.array_equal(seen[0][0][0], seen[-1][0][0])  # the weights moved between the calls


def test_callbacks_get_the_logs_kerass_callback_list_would_pass(circle):
    """The loop calls each callback's hooks itself (the CallbackList's own pass over the logs cost more
    than a small network's epoch): the logs are what that pass makes of them, Python floats sorted by
    name, one dict per epoch that each callback sees in turn (a callback may add to it)."""
    from keras.src.utils.python_utils import pythonify_logs

    seen = []

    class Recorder(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(("begin", epoch, logs))

        def on_epoch_end(self, epoch, logs=None):
            seen.append(("end", epoch, dict(logs)))
            logs["added"] = 1.0

    class Reader(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(("next", epoch, "added" in logs))

    history = train(builders.build_mlp(2, [4], "relu", seed=0), circle, epochs=3, verbose=0,
                    callbacks=[Recorder(), Reader()]).history
    ends = [logs for kind, _, logs in seen if kind == "end"]
    metrics = sorted(set(history) - {"added"})
    assert metrics == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert ends == [pythonify_logs({name: np.float32(history[name][epoch]) for name in metrics}) for epoch in range(3)]
    assert all(list(logs) == metrics and all(type(v) is float for v in logs.values()) for logs in ends)
    assert history["added"] == [1.0] * 3  # what a callback adds reaches the History after it, as in Keras
    assert [(kind, epoch) for kind, epoch, _ in seen] == [(kind, epoch) for epoch in range(3)
                                                          for kind in ("begin", "end", "next")]
    assert all(logs == {} for kind, _, logs in seen if kind == "begin")
    assert all(added for kind, _, added in seen if kind == "next")


def test_callbacks_see_the_model_after_each_epoch_and_can_change_the_learning_rate(circle):
    model = builders.build_mlp(2, [4, 2], "tanh", seed=0)
    snapshots = []
    callbacks = [keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: snapshots.append(model.get_weights()[0])),
                 keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.0 if epoch >= 2 else lr)]
    train(model, circle, epochs=4, verbose=0, callbacks=callbacks)
    assert not np.array_equal(snapshots[0], snapshots[1])
    np.testing.assert_array_equal(snapshots[2], snapshots[3])  # learning rate 0 from epoch 3 on
    assert model.optimizer.learning_rate.numpy() == 0.0


def test_diverging_run_raises_naming_the_epoch_and_keeps_finite_weights(circle):
    data = datasets.playground("reg-plane", noise=0, seed=0)
    model = builders.build_mlp(2, [8, 8], "exponential", head="linear", seed=0)
    with pytest.raises(TrainingDiverged, match=r"diverged at epoch \d+.*learning rate 10.*lower learning rate") as error:
        train(model, data, epochs=20, learning_rate=10, verbose=0)
    assert isinstance(error.value, ValueError)
    assert error.value.epoch >= 1 and len(error.value.history.history.get("loss", [])) == error.value.epoch - 1
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


def test_second_train_call_reuses_the_compiled_function(circle):
    model = builders.build_mlp(2, [5, 3], "sigmoid", seed=0)
    train(model, circle, epochs=2, verbose=0)
    before = compiled.cache_info()
    train(model, circle, epochs=70, verbose=0)  # several calls (chunks), one more train call
    other = builders.build_mlp(2, [5, 3], "sigmoid", seed=9)  # same architecture, new model
    train(other, circle, epochs=3, verbose=0, seed=4)
    assert compiled.cache_info() == before


@pytest.mark.slow
def test_dropout_models_of_other_seeds_share_one_compiled_function_and_keep_their_own_randomness(circle):
    def trained(seed):
        model = builders.build_mlp(2, [8], "relu", dropout=0.3, seed=seed)
        train(model, circle, epochs=3, seed=0, verbose=0)
        return model.get_weights()

    compiled.clear_cache()
    alone = trained(2)  # its own compiled function, nothing else in the cache
    first = trained(1)
    before = compiled.cache_info()
    shared = trained(2)  # reuses the seed-1 model's function
    assert compiled.cache_info() == before == {"functions": 1, "traces": 1}
    assert all(np.array_equal(a, b) for a, b in zip(alone, shared))
    assert not all(np.array_equal(a, b) for a, b in zip(first, shared))


def test_falls_back_to_plain_tf_function_where_xla_cannot_compile(circle, monkeypatch):
    @keras.saving.register_keras_serializable(package="tests")
    def tanh_via_python(x):  # EagerPyFunc has no XLA kernel
        y = tf.py_function(tf.tanh, [x], tf.float32)
        y.set_shape(x.shape)
        return y

    def built():
        inputs = keras.Input((2,), name="features")  # fixed names: one architecture, one cache key
        hidden = keras.layers.Dense(3, activation=tanh_via_python, kernel_initializer=keras.initializers.Constant(0.3),
                                    name="hidden_1")(inputs)
        outputs = keras.layers.Dense(1, activation="tanh", kernel_initializer=keras.initializers.Constant(0.2),
                                     name="output")(hidden)
        return keras.Model(inputs, outputs, name="python_tanh")

    auto, plain = built(), built()
    history = train(auto, circle, epochs=2, verbose=0, jit_compile="auto")
    calls = []
    original = compiled.EpochRunner.__call__
    monkeypatch.setattr(compiled.EpochRunner, "__call__",
                        lambda runner, *args: calls.append(runner.jit_compile) or original(runner, *args))
    train(built(), circle, epochs=1, verbose=0)
    assert calls == [False]  # "auto" remembers the refusal: no second XLA attempt
    train(plain, circle, epochs=2, verbose=0, jit_compile=False)
    assert len(history.history["loss"]) == 2
    for a, b in zip(auto.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------------------------
# Argument checks


@pytest.mark.parametrize("arguments, pattern", [
    ({"epochs": 0}, "'epochs' parameter .* an int ≥ 1. Got 0 instead"),
    ({"epochs": 2.5}, "'epochs'"),
    ({"batch_size": -1}, "'batch_size'.*Playground offers 1 to 30"),
    ({"learning_rate": 0}, r"'learning_rate'.*\(0, 10\]"),
    ({"learning_rate": 11}, "'learning_rate'"),
    ({"learning_rate": float("nan")}, "'learning_rate'"),
    ({"optimizer": "adamm"}, "Unknown optimizer 'adamm'. Did you mean 'adam'"),
    ({"seed": -3}, "'seed'"),
    ({"l2": -0.1}, "'l2'"),
    ({"l1": float("inf")}, "'l1'"),
    ({"verbose": 2}, "'verbose'"),
    ({"shuffle": "yes"}, "'shuffle'"),
    ({"jit_compile": "xla"}, "'jit_compile'"),
    ({"stop_when": {"test_loss": 0.1}}, "Unknown stop_when metric 'test_loss'.*val_loss"),
    ({"stop_when": {"val_loss": float("nan")}}, "finite number"),
])
def test_bad_arguments_say_what_and_how(circle, arguments, pattern):
    model = builders.build_mlp(2, [2], "relu")
    with pytest.raises(ValueError, match=pattern):
        train(model, circle, **{"verbose": 0, **arguments})


@pytest.mark.parametrize("arguments", [{"optimizer": 3}, {"callbacks": [print]}, {"stop_when": 0.177},
                                       {"callbacks": "history"}])
def test_wrong_types_raise_type_error(circle, arguments):
    with pytest.raises(TypeError, match="must be"):
        train(builders.build_mlp(2, [2], "relu"), circle, verbose=0, **arguments)


def test_model_and_data_must_fit_together(circle, circle01):
    with pytest.raises(TypeError, match="kit Dataset"):
        train(builders.build_mlp(2), (circle.x_train, circle.y_train))
    with pytest.raises(TypeError, match="keras.Model"):
        train("model", circle)
    with pytest.raises(ValueError, match="3 feature.*n_inputs=3"):
        train(builders.build_mlp(2), datasets.playground("xor", features=["x1", "x2", "x1_x2"]))
    with pytest.raises(ValueError, match="playground head.*'01' labels.*labels='pm1'"):
        train(builders.build_mlp(2, head="playground"), circle01)
    with pytest.raises(ValueError, match="logistic head.*'pm1' labels"):
        train(builders.build_mlp(2, head="logistic"), circle)


def test_an_optimizer_of_another_model_is_refused(circle):
    first = builders.build_mlp(2, [2], seed=0)
    optimizer = keras.optimizers.SGD(0.1)
    train(first, circle, epochs=1, optimizer=optimizer, verbose=0)
    train(first, circle, epochs=1, optimizer=optimizer, verbose=0)  # the same model may continue
    with pytest.raises(ValueError, match="another model"):
        train(builders.build_mlp(2, [2], seed=1), circle, epochs=1, optimizer=optimizer, verbose=0)


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_not_positive_int = st.one_of(st.integers(max_value=0), st.floats(allow_nan=True), st.text(max_size=3),
                              st.none(), st.booleans())
_bad_rate = st.one_of(st.floats(max_value=0.0), st.floats(min_value=10.0, exclude_min=True), st.just(float("nan")),
                      st.text(max_size=3), st.none())


@pytest.fixture(scope="module")
def untrained():
    return builders.build_mlp(2, [2])  # arguments are checked before any training starts


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parameter=st.sampled_from(["epochs", "batch_size", "learning_rate", "seed"]), data=st.data())
def test_any_bad_number_is_refused_with_the_parameter_named(circle, untrained, parameter, data):
    value = data.draw(_bad_rate if parameter == "learning_rate" else _not_positive_int)
    if parameter == "seed" and isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return  # seed 0 is valid
    with pytest.raises((ValueError, TypeError), match=repr(parameter)):
        train(untrained, circle, **{parameter: value, "verbose": 0})


@pytest.mark.slow
def test_softmax_and_linear_heads_learn():
    iris = datasets.bundled("iris", seed=0)
    model = builders.build_mlp(iris.n_features, [8], "relu", head="softmax", n_classes=iris.n_classes, seed=0)
    history = train(model, iris, epochs=60, optimizer="adam", learning_rate=0.02, verbose=0).history
    # 0.9: iris is nearly linearly separable; a 4-8-3 net reaches it within 60 epochs of Adam,
    # while chance is 0.33 and a broken label or loss path stays near it.
    assert history["val_accuracy"][-1] >= 0.9
    plane = datasets.playground("reg-plane", noise=0, seed=0)
    model = builders.build_mlp(2, [], head="linear", seed=0)
    history = train(model, plane, epochs=20, learning_rate=0.01, verbose=0).history
    assert "accuracy" not in history
    # reg-plane's targets are (x + y)/10, exactly linear: MSE must fall near 0 (it starts ≈ 0.2).
    assert history["val_loss"][-1] < 1e-3


def test_verbose_shows_one_progress_tick_per_epoch(circle, capsys):
    train(builders.build_mlp(2, [2], seed=0), circle, epochs=3, verbose=1)
    assert "3/3" in capsys.readouterr().out
    train(builders.build_mlp(2, [2], seed=0), circle, epochs=3, verbose=0)
    assert capsys.readouterr().out == ""
