"""Assertions for checks: a check is a plain function that raises :class:`CheckFailed` to fail.

A check returns nothing when the work is right (or an ``Outcome`` from ``partial(…)`` for part
marks, or ``passed(message)`` to say something). Every helper here raises :class:`CheckFailed`
with a message for the student, so a check reads like a list of asserts:

    >>> import numpy as np
    >>> def double_values(answer):
    ...     expect_close(answer, np.arange(5.0) * 2, rtol=1e-12, on="On 0…4")
    >>> class Right:                                  # what Session.evaluate returns, in short
    ...     failure = ""
    ...     def mismatch(self, expected, rtol, atol=0.0, x=None, reveal=True, where=None):
    ...         return ""
    >>> double_values(Right()) is None
    True
    >>> expect(1 + 1 == 3, "1 + 1 should be 3")
    Traceback (most recent call last):
    ...
    kit.grading.authoring.assertions.CheckFailed: 1 + 1 should be 3

The scoring rule every exercise follows: **points count only for correct work.** A check on
structure (a shape, a dtype, a layer count, an activation name, a special value such as
``relu_grad(0) == 0``) also checks the values or behaviour it is about, so that an answer of
zeros, the identity, ``return x``, a model without the asked hidden layer or the untouched
starter scores 0 on it. The tests of each exercise pin those trivial answers at 0.
"""

from __future__ import annotations

__all__ = ["CheckFailed", "fail", "expect", "expect_equal", "expect_close", "expect_layers", "paragraphs"]


class CheckFailed(Exception):
    """The check failed; the message is meant for the student (the engine scores the check 0)."""


def paragraphs(*parts: str) -> str:
    """A message of several paragraphs (empty parts left out); the reports wrap long lines.

    Example:
        >>> print(paragraphs("The loss is 0.48.", "", "Train longer."))
        The loss is 0.48.
        Train longer.
    """
    return "\n".join(part for part in parts if part)


def fail(message: str):
    """Fail the current check with ``message``."""
    raise CheckFailed(str(message))


def expect(condition, message: str) -> None:
    """Fail with ``message`` unless ``condition`` is true."""
    if not condition:
        raise CheckFailed(str(message))


def expect_equal(got, expected, message: str) -> None:
    """Fail unless ``got == expected`` (plain values: str, int, list, tuple, dict …).

    ``message`` may hold ``{got}`` and ``{expected}``, filled with their ``repr``.
    """
    if type(got) is not type(expected) or got != expected:
        raise CheckFailed(str(message).format(got=repr(got), expected=repr(expected)))


def _sentence(on: str, problem: str, hint: str) -> str:
    text = f"{on}: {problem}" if on else problem
    text = text if text.endswith(".") else text + "."
    return f"{text} {hint.strip()}" if hint and hint.strip() else text


def expect_close(answer, expected, rtol: float, atol: float = 0.0, *, x=None, where=None, reveal: bool = True,
                 on: str = "", hint: str = "") -> None:
    """Fail unless an :class:`~kit.grading.authoring.checks.Answer` matches ``expected`` within tolerance.

    Args:
        answer: what ``Session.evaluate``/``Session.call`` returned for one input.
        expected: the reference values (computed in the parent).
        rtol, atol: ``|got − expected| ≤ atol + rtol·|expected|`` element-wise.
        x: the inputs, so that the message can name where the worst error is.
        where: a boolean mask of the elements to compare (e.g. leave out a kink at 0).
        reveal: name the input, the value got and the value expected (never in a hidden check).
        on: what was evaluated, e.g. ``"On the grid −10…10"`` (starts the message).
        hint: a sentence appended to the message (the likely mistake, how to fix it).
    """
    problem = answer.mismatch(expected, rtol, atol, x=x, reveal=reveal, where=where)
    if problem:
        raise CheckFailed(_sentence(on, problem, hint))


def expect_layers(model, *, activation: str | None = None, hidden_layers: tuple | None = None,
                  max_layers: int | None = None, max_units: int | None = None, output: str | None = None,
                  output_units: int = 1, exercise: str = "this exercise", call: str = "") -> list[int]:
    """Fail unless a rebuilt model's Dense layers have the asked shape; returns the hidden widths.

    Args:
        model: a model rebuilt in the parent (``Session.build_model``); layers ``hidden_i``, ``output``.
        activation: the activation every hidden layer must use (e.g. ``"sigmoid"``).
        hidden_layers: ``(least, most)`` number of hidden layers (e.g. ``(1, 6)``; ``(0, 0)`` for none).
        max_layers, max_units: the Playground's limits are 6 and 8.
        output: the output layer's activation (e.g. ``"tanh"``), with ``output_units`` units.
        exercise: how the messages name the exercise.
        call: the student's call that built the model (e.g. ``"build_model(2)"``), which every
            message then starts with, so that the student knows which function to fix.

    The messages name the likely mistake: "build_model(2): hidden layer 2 uses relu; this exercise
    asks for sigmoid".
    """
    from kit import activations, builders

    def refuse(text: str):
        raise CheckFailed(f"{call}: {text}" if call else text)

    dense = builders.dense_layers(model)
    hidden, last = dense[:-1], dense[-1]
    widths = [int(layer.units) for layer in hidden]
    if hidden_layers is not None:
        least, most = hidden_layers
        if not least <= len(hidden) <= most:
            asked = ("no hidden layer" if most == 0 else f"at least {least} hidden layer{'s' * (least != 1)}"
                     if len(hidden) < least else f"at most {most} hidden layer{'s' * (most != 1)}")
            refuse(f"the model has {len(hidden)} hidden layer{'s' * (len(hidden) != 1)}; {exercise} asks for "
                   f"{asked}.")
    if max_layers is not None and len(hidden) > max_layers:
        refuse(f"the model has {len(hidden)} hidden layers; the Playground allows at most {max_layers}.")
    if max_units is not None and any(w > max_units for w in widths):
        refuse(f"the hidden widths are {widths}; the Playground allows at most {max_units} units per layer.")
    if activation is not None:
        for index, layer in enumerate(hidden, 1):
            used = activations.name_of(layer.activation)
            if used != activation:
                refuse(f"hidden layer {index} uses {used}; {exercise} asks for {activation}.")
    if output is not None:
        used = activations.name_of(last.activation)
        units = int(last.units)
        if used != output or units != output_units:
            refuse(f"the output layer is {units} {used} unit{'s' * (units != 1)}; {exercise} asks for "
                   f"{output_units} {output} unit{'s' * (output_units != 1)}.")
    return widths
