"""Shared fixtures of the grading tests: one zygote for the whole module, small limits."""

import pytest

from kit.grading.sandbox.limits import Limits

# Small limits keep the hostile corpus to a few minutes on 2 cores: every correct call of
# exercise 04 takes milliseconds, so 3 s only ever stops a hang; 512 MB is ~100× what the
# functions need; 64 processes allow NumPy's and TensorFlow's threads but stop a fork bomb early.
TEST_LIMITS = Limits(timeout=3, memory_mb=512, processes=64, output_kb=256)


@pytest.fixture(scope="session")
def zygote():
    from kit.grading.sandbox.zygote import Zygote

    with Zygote() as started:
        yield started


@pytest.fixture(scope="session")
def release(tmp_path_factory):
    """The student release (`kit release`), built once for the release tests."""
    from kit.grading.release.student import build_release

    return build_release(tmp_path_factory.mktemp("course") / "release")


@pytest.fixture(scope="session")
def checks04():
    from kit.grading.authoring.exercises import load_checks

    return load_checks("04")
