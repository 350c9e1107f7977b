"""The Gradescope results.json schema (REFERENCE.md, "Auto-grading facts"), for the exercises' tests."""

TOP = {"score": (int, float), "execution_time": (int, float), "output": str, "output_format": str,
       "visibility": str, "stdout_visibility": str, "extra_data": dict, "tests": list, "leaderboard": list}
PER_TEST = {"name": str, "score": (int, float), "max_score": (int, float), "status": str, "output": str,
            "output_format": str, "tags": list, "visibility": str, "number": str, "extra_data": dict}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def assert_gradescope_schema(data: dict) -> None:
    """Fail (AssertionError) unless ``data`` is a results.json Gradescope accepts, scores adding up."""
    for key, kind in TOP.items():
        assert isinstance(data[key], kind), key
    assert data["output_format"] in FORMATS and data["visibility"] in VISIBILITIES
    for test in data["tests"]:
        assert set(test) <= set(PER_TEST), set(test) - set(PER_TEST)
        for key, kind in PER_TEST.items():
            assert isinstance(test[key], kind), (key, test)
        assert test["status"] in ("passed", "failed") and test["output_format"] in FORMATS
        assert test["visibility"] in VISIBILITIES and 0 <= test["score"] <= test["max_score"]
    assert data["score"] == sum(t["score"] for t in data["tests"])
