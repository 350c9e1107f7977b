"""What students receive: the release of the course (:mod:`.student`), starters generated from
solutions (:mod:`.starters`) and the public part of each exercise's checks (:mod:`.public`)."""

__all__ = []
