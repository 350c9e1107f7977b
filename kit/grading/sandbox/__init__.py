"""The trust boundary: where a submission runs, and what crosses back.

- :mod:`.zygote`: the parent's handle (:class:`~kit.grading.sandbox.zygote.Zygote`): starts the zygote
  process once, runs one driver call per fork under :mod:`.limits`, names the isolation level.
- :mod:`.zygote_process`: the zygote process itself (``python -m kit.grading.sandbox.zygote_process``):
  has imported TensorFlow (or NumPy alone) and nothing secret, forks a keeper per call.
- :mod:`.child`: the keeper and the grandchild that imports the submission: users, namespaces,
  seccomp, rlimits, the import recorder.
- :mod:`.drivers`: the kit's code that runs next to the submission and answers in plain data.
- :mod:`.protocol`: that plain data's codec (JSON and ``.npy``), both directions.
- :mod:`.model_transfer` and :mod:`.logdirs`: a Keras model and a TensorBoard logdir as plain data,
  rebuilt or read in the parent.
- :mod:`.submission`: a student's file read without following links.

Nothing here imports the runners, the CLI or an exercise's checks.
"""

__all__ = []
