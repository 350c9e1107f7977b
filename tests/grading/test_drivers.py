"""Drivers run next to the submission; here they are called directly on a stand-in module."""

import types

import numpy as np

from kit.grading.sandbox import drivers, protocol


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
    assert answers["error"] == {"error": {"type": "ValueError", "message": "needs pairs", "where": []}}  # not a submission
    assert "problem" in answers["text"] and "value" not in answers["text"]
    assert protocol.decode(protocol.encode(answers))["pair"]["items"][1]["value"].tolist() == [1.0, 2.0]


# ---------------------------------------------------------------------------------------------
# call_with_logdir + kit.grading.sandbox.logdirs: a TensorBoard logdir handed back as bytes, parsed in the parent


def test_a_logdir_comes_back_as_bytes_and_reads_as_the_callbacks_own_numbers(tmp_path, monkeypatch):
    from kit import builders, datasets, diagnostics
    from kit.grading.sandbox import logdirs, model_transfer as models
    from kit.tensorboard import Diagnostics

    def log_gradients(model, x, y, logdir):
        builders.compile_model(model, "sgd", 0.03)
        model.fit(x, y, epochs=2, batch_size=10, verbose=0, callbacks=[Diagnostics(logdir, probe=(x, y), every=1)])

    data = datasets.playground("circle", seed=0)
    x, y = data.x_train[:40], data.y_train[:40]
    model = builders.build_mlp(2, [4, 3], "sigmoid", seed=1)
    monkeypatch.chdir(tmp_path)  # the sandbox runs a call in its scratch folder
    (tmp_path / "logdir").mkdir()
    (tmp_path / "logdir" / "notes.txt").write_text("not an event file")
    plain = protocol.decode(protocol.encode(drivers.get("call_with_logdir")(
        types.SimpleNamespace(log_gradients=log_gradients), "log_gradients", [x, y], models.describe(model))))
    assert "error" not in plain and len(plain["files"]) == 1 and plain["left_out"] == ["notes.txt (not an event file)"]
    logdir = logdirs.read_event_files(plain["files"])
    assert logdir.problems == [] and logdir.files == 1
    assert [step for step, _ in logdir.scalars["grad_norm/hidden_1"]] == [0, 1, 2]
    assert logdir.plugins["kernel_gradient/output"] == "histograms" and logdir.plugins["grad_norm/output"] == "scalars"
    # step 0 is the network the grader sent; step 2 the trained weights the driver sent back
    for step, weights in ((0, model.get_weights()), (2, plain["model_after"]["weights"])):
        model.set_weights(weights)
        expected = diagnostics.gradient_norms(model, x, y)
        for name, norm in expected.items():
            assert np.isclose(logdir.at(f"grad_norm/{name}", step), norm, rtol=1e-5)
            counts = logdir.at(f"kernel_gradient/{name}", step)[:, 2]
            assert counts.sum() == np.prod(model.get_layer(name).kernel.shape)


def test_call_with_logdir_returns_a_dict_entry_by_entry(tmp_path, monkeypatch):
    from kit.tensorboard import events

    def run_shootout(logdir):
        writer = events.EventWriter(f"{logdir}/relu-spiral")
        writer.write(1, scalars=[("accuracy/test", 0.5)])
        writer.close()
        return {"relu/spiral": np.float32(0.5), 3: 1.0}

    monkeypatch.chdir(tmp_path)
    plain = protocol.decode(protocol.encode(drivers.get("call_with_logdir")(
        types.SimpleNamespace(run_shootout=run_shootout), "run_shootout")))
    (key, value), (bad_key, bad) = plain["returned"]["entries"]
    assert plain["returned"]["type"] == "dict" and key == "relu/spiral" and value["value"].tolist() == [0.5]
    assert bad_key == "3" and bad["key_problem"] == "the key is a int, not a str"
    assert [name.split("/")[0] for name, _ in plain["files"]] == ["relu-spiral"]


def test_read_runs_parses_each_folder_as_a_run_with_its_hparams_by_name(tmp_path):
    from tensorboard.plugins.hparams import api as hp

    from kit.grading.sandbox import drivers, logdirs
    from kit.tensorboard import dashboards, events

    def run(folder, values, summaries=None):
        writer = events.EventWriter(str(tmp_path / folder))
        summaries = summaries or dashboards.hparams_summaries(values)
        writer.write(0, summaries, scalars=[("accuracy/test", 0.5)])
        writer.write(3, scalars=[("accuracy/test", 0.75)])
        writer.close()

    run("relu-spiral", {"activation": "relu", "dataset": "spiral", "epochs": 3, "seed": 0})
    # HParams declared with types and domains and a trial name (what a richer callback may write) read the same
    declared = hp.hparams_config_pb(hparams=[hp.HParam("activation", hp.Discrete(["relu", "tanh"])),
                                             hp.HParam("epochs", hp.IntInterval(1, 1000))], metrics=[])
    values = {"activation": "tanh", "dataset": "xor", "epochs": 3, "flag": True}
    run("nested/tanh-xor", values, [declared, hp.hparams_pb(values, trial_id="nested/tanh-xor")])
    events.EventWriter(str(tmp_path)).close()  # a file at the top: the run ""
    runs = logdirs.read_runs(drivers.collect_event_files(str(tmp_path))["files"])
    assert sorted(runs) == ["", "nested/tanh-xor", "relu-spiral"]
    assert runs["relu-spiral"].hparams == {"activation": "relu", "dataset": "spiral", "epochs": 3.0, "seed": "0"}
    assert runs["nested/tanh-xor"].hparams["flag"] is True and runs["nested/tanh-xor"].hparams["activation"] == "tanh"
    assert runs["relu-spiral"].scalars["accuracy/test"] == [(0, 0.5), (3, 0.75)]
    assert runs[""].hparams == {} and runs[""].scalars == {} and runs[""].files == 1
    assert all(not r.problems for r in runs.values())
    assert logdirs.read_runs("garbage")[""].problems == ["no list of event files came back"]


def test_collect_event_files_caps_count_and_size_and_skips_links(tmp_path):
    (tmp_path / "run").mkdir()
    for index in range(3):
        (tmp_path / "run" / f"events.out.tfevents.{index}").write_bytes(bytes(100))
    (tmp_path / "big.tfevents").write_bytes(bytes(1000))
    (tmp_path / "link.tfevents").symlink_to(tmp_path / "big.tfevents")
    found = drivers.collect_event_files(str(tmp_path), max_files=2, max_bytes=500)
    assert [name for name, _ in found["files"]] == ["run/events.out.tfevents.0", "run/events.out.tfevents.1"]
    assert found["left_out"] == ["big.tfevents (over 0 MB of event files in all)", "link.tfevents (not a plain file)",
                                 "run/events.out.tfevents.2 (more than 2 event files)"]
    assert drivers.collect_event_files(str(tmp_path / "absent")) == {"files": [], "left_out": []}


def test_read_event_files_survives_garbage_and_oversized_tensors(tmp_path):
    import tensorflow as tf
    from tensorboard.compat.proto import event_pb2, summary_pb2

    from kit.grading.sandbox import logdirs
    from kit.tensorboard import events

    garbage = logdirs.read_event_files([["a", np.frombuffer(b"\xff" * 64, dtype=np.uint8)], "not a pair"])
    assert garbage.scalars == {} and garbage.histograms == {} and "event file 1 came back malformed" in garbage.problems
    assert logdirs.read_event_files(None).problems == ["no list of event files came back"]
    # a histogram whose shape claims 10¹² values but carries one: refused before it is expanded
    forged = events.histogram("kernel_gradient/output", np.ones(3))
    forged.tensor.tensor_shape.dim[0].size = 10 ** 12
    forged.tensor.ClearField("tensor_content")
    forged.tensor.double_val.append(1.0)
    event = event_pb2.Event(step=0, summary=summary_pb2.Summary(value=[forged, events.scalar("grad_norm/output", 0.5)]))
    with tf.io.TFRecordWriter(str(tmp_path / "events.out.tfevents.forged")) as writer:
        writer.write(event.SerializeToString())
    data = np.fromfile(tmp_path / "events.out.tfevents.forged", dtype=np.uint8)
    read = logdirs.read_event_files([["forged", data]])
    assert read.scalars == {"grad_norm/output": [(0, 0.5)]}
    assert read.histograms == {"kernel_gradient/output": []}
    assert read.problems == ["kernel_gradient/output at step 0: a tensor that claims more than 1000000 values"]
