"""What grades: one submission (:mod:`.engine`), the warm check server (:mod:`.server`) behind ``kit
check`` and ``kit.check`` in a notebook (:mod:`.notebook`), a class folder (:mod:`.batch`, on Dask:
:mod:`.cluster`), Gradescope (:mod:`.autograder`), and the reports they write (:mod:`.report`).

None of them imports the CLI (``kit.cli``, ``kit.commands``): the CLI calls them.
"""

__all__ = []
