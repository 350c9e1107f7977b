"""What an instructor does with a gradebook once the autograder has filled it: due dates and
late work (:mod:`.deadlines`), the class roster (:mod:`.roster`), overrides and each student's
counted grade (:mod:`.standing`), exports for a spreadsheet, Canvas or Moodle and per-student
feedback files (:mod:`.exports`), and a similarity report (:mod:`.similarity`).

None of it decides an autograder's grade, so none of it is part of the checks' version
(:func:`kit.grading.gradebook.checks_version` hashes ``kit/grading/*.py`` only): editing these
modules regrades nothing. None of it imports TensorFlow.
"""

__all__ = []
