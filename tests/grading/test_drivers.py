"""Drivers run next to the submission; here they are called directly on a stand-in module."""

import types

import numpy as np

from kit.grading import drivers, protocol


def test_call_cases_describes_each_item_of_a_pair_and_each_failure():
    def collapse(weights):
        if len(weights) == 1:
            raise ValueError("needs pairs")
        if len(weights) == 3:
            return "not arrays"
        return np.asarray(weights[0]), [1.0, 2.0]

    module = types.SimpleNamespace(collapse=collapse)
    answers = drivers.get("call_cases")(module, "collapse", {"pair": [[np.eye(2), np.ones(2)]],
                                                             "error": [[np.eye(2)]], "text": [[1, 2, 3]]})
    assert answers["pair"]["type"] == "tuple" and [item["shape"] for item in answers["pair"]["items"]] == [[2, 2], [2]]
    assert answers["error"] == {"error": {"type": "ValueError", "message": "needs pairs"}}
    assert "problem" in answers["text"] and "value" not in answers["text"]
    assert protocol.decode(protocol.encode(answers))["pair"]["items"][1]["value"].tolist() == [1.0, 2.0]
