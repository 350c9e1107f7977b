"""``Session.memo``: the preparation several checks judge runs once per submission, and its failure
fails each of them with the same message (exercises 07, 12 and 13 use it). No sandbox is started:
the memoised functions here do not call the child."""

import pytest

from kit.grading.authoring import CallFailed, CheckFailed
from kit.grading.authoring.checks import Session
from kit.grading.sandbox.limits import Limits

CALLS = []


def _prepare(session):
    CALLS.append(session)
    return {"source": session.source}


def _refused(session):
    CALLS.append(session)
    raise CallFailed("recipe() timed out")


def _broken(session):
    CALLS.append(session)
    raise KeyError("a bug in the checks, not the submission's failure")


def _session(source="x = 1\n"):
    return Session(source, zygote=None, limits=Limits())


def test_a_preparation_runs_once_per_session_and_again_for_another():
    CALLS.clear()
    first, second = _session("a = 1\n"), _session("b = 2\n")
    assert first.memo(_prepare) == {"source": "a = 1\n"} and first.memo(_prepare) is first.memo(_prepare)
    assert second.memo(_prepare) == {"source": "b = 2\n"}
    assert CALLS == [first, second]


def test_a_failed_preparation_fails_every_check_that_asks_with_its_message():
    CALLS.clear()
    session = _session()
    raised = []
    for _ in range(3):
        with pytest.raises(CheckFailed) as failure:
            session.memo(_refused)
        raised.append(failure.value)
    assert CALLS == [session]  # the child was asked once
    assert all(type(error) is CallFailed and str(error) == "recipe() timed out" for error in raised)
    assert len({id(error) for error in raised}) == 3  # a fresh exception each time: no traceback piles up


def test_a_bug_in_the_checks_is_not_memoised_and_a_non_function_is_refused():
    CALLS.clear()
    session = _session()
    for _ in range(2):
        with pytest.raises(KeyError):
            session.memo(_broken)
    assert len(CALLS) == 2
    with pytest.raises(TypeError, match="Session.memo needs a function of the session. Got dict instead."):
        session.memo({"not": "callable"})
