"""A submission's bytes, read without following links, and its source text (a ``.py`` file, or
the code cells of an ``.ipynb`` notebook).

Every place that reads a student's file (``kit check``, ``kit grade``, the check server, a
batch's planning, the Gradescope autograder) reads it here, in the parent, as data only (it is
never imported there). The grader often runs as root, so a name a student chose must not make it
read anything but the student's own file:

- **No link is followed.** The file is opened with ``O_NOFOLLOW``; in a batch or a Gradescope
  submission every folder level below the folder the instructor named is opened with
  ``O_DIRECTORY | O_NOFOLLOW`` relative to its parent's descriptor (:class:`Folder`), so
  ``mallory.py -> /etc/shadow``, a link to another student's file and a linked student folder
  are refused, and a dangling link is named, not silently dropped. Of a single file given on the
  command line (``kit grade 04 FILE``) the file itself must not be a link (the folders on its path
  are the user's own to choose).
- **Only regular files.** The entry is classified with ``lstat`` before it is opened (a device
  is never opened), opened with ``O_NONBLOCK`` (a FIFO that appears in between cannot block) and
  checked again with ``fstat`` on the open descriptor: a FIFO, a device, a socket or a folder is
  refused.
- **One name only** (``st_nlink == 1``): a hard link may be another file (another student's, or
  one only root may read). A class folder copied with hard links (``cp -al``, ``rsync
  --link-dest``) is refused file by file; copy it with ``cp -r`` first.
- **Size-capped** at :data:`MAX_BYTES`, and read from the descriptor that was checked (never
  checked, then opened again by name).
- **Permission bits are not judged.** A grader running as root reads what the operating system
  lets root read; it does not refuse a file that the sandbox's user could not read. The checks
  above already make sure that the bytes are the entry's own file and not another one; the
  permission bits of that file say nothing about whose it is, and a class folder unpacked with
  ``umask 077`` (or Gradescope's ``/autograder/submission``) holds root-only ``0600`` files, so
  refusing them would give a whole class 0. A grader that is not root gets the operating
  system's refusal (``permission denied``) as that student's one-line reason.

Every refusal is an :class:`Unreadable` with one line a student can act on, e.g.
``could not read mallory.py: it is a symbolic link; submit the file itself``. Nothing of the
file, or of what a link points to, is in it.

Notebook magics (``%time``, ``!pip``) become ``pass`` so that the cell still runs as Python.

Example:
    >>> submission = read_submission("exercises/04-derivatives/solution.py")  # doctest: +SKIP
    >>> source, name = source_of(submission)                                  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import re
import stat
from pathlib import Path

from kit.errors import KitError, MissingFile
from kit.grading.sandbox.protocol import clean_text

__all__ = ["MAX_BYTES", "SUFFIXES", "SubmissionError", "Unreadable", "Submission", "Folder", "read_submission",
           "notebook_source", "source_of", "read_source"]

MAX_BYTES = 2_000_000  # a hand-written exercise is a few KB; anything this big is not one
SUFFIXES = (".py", ".ipynb")
_MAGIC = re.compile(r"^(\s*)(%|!)")
# Read-only; never follow the last component; a FIFO opens at once (never waits for a writer);
# a terminal device never becomes ours; not inherited by the sandbox's processes.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)


class SubmissionError(KitError, ValueError):
    """The file cannot be graded at all (not readable as the student's own file, too large, not
    UTF-8, a malformed notebook): the message is one line saying why."""


class Unreadable(SubmissionError):
    """The entry was not read (a link, not a regular file, several names, too large, no
    permission, gone): nothing of it, or of what it points to, was read."""


@dataclasses.dataclass(frozen=True)
class Submission:
    """A submission's bytes as read by :func:`read_submission` or :meth:`Folder.read`: ``name``
    (the file's name, e.g. ``alice.py``), ``data``, ``path`` (where it was read, for reports) and
    ``modified`` (the file's modification time, seconds since the epoch, read from the descriptor
    the bytes came from; None when not read from a file)."""

    name: str
    data: bytes = dataclasses.field(repr=False)
    path: str
    modified: float | None = dataclasses.field(default=None, compare=False)

    def __post_init__(self):
        if not isinstance(self.name, str) or not isinstance(self.data, bytes) or not isinstance(self.path, str):
            raise TypeError(f"A Submission holds a name (str), data (bytes) and a path (str). Got "
                            f"{type(self.name).__name__}, {type(self.data).__name__} and {type(self.path).__name__}.")


def _what(mode: int) -> str:
    """Why an entry of this ``st_mode`` is not a file to read: the part after "it is"."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    if stat.S_ISREG(mode):
        return "a file, not a folder"
    return "not a regular file"


def _os_reason(error: OSError) -> str:
    """The operating system's refusal as the part of a message after the file's name."""
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (the grader's user may not read it)"
    if error.errno == errno.ENOENT:
        return "it no longer exists (it was removed while it was being read)"
    if error.errno == errno.ELOOP:
        return "it is a symbolic link; submit the file itself"
    return (error.strerror or type(error).__name__).lower()


class _Refusal:
    """Builds one :class:`Unreadable` for the entry shown as ``shown``."""

    def __init__(self, shown: str, folder: bool = False):
        self.shown, self.folder = shown, folder

    def kind(self, mode: int) -> Unreadable:
        fix = "submit the folder itself" if self.folder else "submit the file itself"
        if stat.S_ISDIR(mode) and not self.folder:
            fix = "give a .py or .ipynb file"
        return self.why(f"it is {_what(mode)}; {fix}")

    def error(self, error: OSError) -> Unreadable:
        if error.errno == errno.ELOOP and self.folder:
            return self.why("it is a symbolic link; submit the folder itself")
        return self.why(_os_reason(error))

    def why(self, why: str) -> Unreadable:
        refused = Unreadable(f"could not read {self.shown}: {why}")
        refused.shown, refused.why = self.shown, why
        return refused


def _read_at(folder_fd: int, name: str, shown: str) -> tuple[bytes, float]:
    """The bytes and modification time of the regular file ``name`` in the folder open as
    ``folder_fd`` (see the module docstring for what is refused); :class:`Unreadable` otherwise."""
    refusal = _Refusal(shown)
    try:
        before = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
    except OSError as error:
        raise refusal.error(error) from None
    if not stat.S_ISREG(before.st_mode):  # decided before opening: a device is never opened
        raise refusal.kind(before.st_mode)
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=folder_fd)
    except OSError as error:
        raise refusal.error(error) from None
    try:
        info = os.fstat(fd)  # what was opened, whatever the name points to now
        if not stat.S_ISREG(info.st_mode):
            raise refusal.kind(info.st_mode)
        if info.st_nlink == 0:
            raise refusal.why("it no longer exists (it was removed while it was being read)")
        if info.st_nlink != 1:
            raise refusal.why(f"it has {info.st_nlink} names (hard links), so it may be another file; "
                              "submit a copy of the file itself")
        if info.st_size > MAX_BYTES:
            raise refusal.why(f"it is {info.st_size} bytes; submissions are limited to {MAX_BYTES}")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, MAX_BYTES + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > MAX_BYTES:  # it grew after fstat
                raise refusal.why(f"it is more than {MAX_BYTES} bytes; submissions are limited to {MAX_BYTES}")
        return b"".join(chunks), info.st_mtime
    except OSError as error:
        raise refusal.error(error) from None
    finally:
        os.close(fd)


class Folder:
    """A folder open by descriptor, to list and read below it without following any link.

    ``Folder(path)`` opens ``path`` itself as named (the class folder or Gradescope's submission
    folder: an instructor's choice, links included); :meth:`folder` opens a folder below it with
    ``O_NOFOLLOW`` relative to this descriptor, and :meth:`read` reads a file in it (the module
    docstring says what is refused). Close it (or use ``with``).

    Example:
        >>> import pathlib, tempfile
        >>> top = pathlib.Path(tempfile.mkdtemp()); _ = (top / "alice.py").write_text("x = 1")
        >>> (top / "link.py").symlink_to(top / "alice.py")
        >>> with Folder(top) as folder:
        ...     folder.read("alice.py").data, [name for name, mode in folder.entries()]
        (b'x = 1', ['alice.py', 'link.py'])
        >>> with Folder(top) as folder:
        ...     try:
        ...         folder.read("link.py")
        ...     except Unreadable as refused:
        ...         print(refused)
        could not read link.py: it is a symbolic link; submit the file itself
    """

    def __init__(self, path, shown: str | None = None, *, _fd: int | None = None):
        if _fd is None:
            if not isinstance(path, (str, Path)):
                raise TypeError(f"The folder must be a str or Path. Got {path!r} of type {type(path).__name__} instead.")
            shown = str(path) if shown is None else shown
            try:
                _fd = os.open(path, _FOLDER_FLAGS)
            except FileNotFoundError:
                raise MissingFile(f"No folder {str(path)!r}. Give the folder holding the submissions.") from None
            except NotADirectoryError:
                raise MissingFile(f"{str(path)!r} is not a folder. Give the folder holding the submissions.") from None
            except OSError as error:
                raise _Refusal(shown, folder=True).error(error) from None
        self.fd, self.path, self.shown = _fd, Path(path), shown

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def entries(self) -> list[tuple[str, int | None]]:
        """``(name, st_mode)`` of every entry, by name, links not followed; the mode is None for
        an entry that vanished or that cannot be looked at (reading it says why)."""
        try:
            names = sorted(os.listdir(self.fd))
        except OSError as error:
            raise _Refusal(self.shown, folder=True).error(error) from None
        found = []
        for name in names:
            try:
                found.append((name, os.stat(name, dir_fd=self.fd, follow_symlinks=False).st_mode))
            except OSError:
                found.append((name, None))
        return found

    def folder(self, name: str, shown: str | None = None) -> "Folder":
        """The folder ``name`` in this one, never through a link (:class:`Unreadable` if it is
        one, or is not a folder, or cannot be opened)."""
        shown = shown if shown is not None else f"{name}/"
        refusal = _Refusal(shown, folder=True)
        try:
            fd = os.open(name, _FOLDER_FLAGS | os.O_NOFOLLOW, dir_fd=self.fd)
        except NotADirectoryError:
            try:
                mode = os.stat(name, dir_fd=self.fd, follow_symlinks=False).st_mode
            except OSError as error:
                raise refusal.error(error) from None
            raise refusal.kind(mode) from None
        except OSError as error:
            raise refusal.error(error) from None
        return Folder(self.path / name, shown, _fd=fd)

    def read(self, name: str, shown: str | None = None) -> Submission:
        """The regular file ``name`` in this folder as a :class:`Submission` (:class:`Unreadable`
        with the reason otherwise); ``shown`` names it in messages (default: ``name``)."""
        shown = shown if shown is not None else name
        data, modified = _read_at(self.fd, name, shown)
        return Submission(name, data, str(self.path / name), modified)


def read_submission(path) -> Submission:
    """The file ``path`` (what ``kit check`` and ``kit grade`` are given) as a :class:`Submission`.

    The file itself is opened without following a link; the folders on its path are followed
    (they are the user's to choose). :class:`kit.errors.MissingFile` if nothing is there,
    :class:`Unreadable` (one line, e.g. ``could not read link.py: it is a symbolic link; submit
    the file itself``) for anything the module docstring refuses.
    """
    if not isinstance(path, (str, Path)):
        raise TypeError(f"The submission path must be a str or Path. Got {path!r} of type {type(path).__name__} instead.")
    path = Path(path)
    try:
        os.lstat(path)
    except FileNotFoundError:
        raise MissingFile(f"No submission file {str(path)!r}. Give the path of a .py or .ipynb file.") from None
    except OSError as error:
        raise _Refusal(path.name or str(path)).error(error) from None
    if path.name in ("", ".", ".."):
        raise _Refusal(str(path)).why("it is a folder; give a .py or .ipynb file")
    try:
        parent = os.open(path.parent, _FOLDER_FLAGS)
    except OSError as error:
        raise _Refusal(path.name).error(error) from None
    try:
        data, modified = _read_at(parent, path.name, path.name)
        return Submission(path.name, data, str(path), modified)
    finally:
        os.close(parent)


def _strip_magics(code: str) -> str:
    lines = []
    for line in code.splitlines():
        match = _MAGIC.match(line)
        lines.append(f"{match.group(1)}pass  # notebook magic removed" if match else line)
    return "\n".join(lines)


def notebook_source(text: str, name: str = "notebook") -> str:
    """The code cells of a notebook (nbformat 4 JSON), magics removed, joined into one module."""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise SubmissionError(f"{name} is not a valid notebook: its JSON is broken ({error.msg}, line {error.lineno}). "
                              "Save it again from Jupyter, or submit a .py file.") from None
    except (ValueError, RecursionError) as error:  # nested too deep, a number Python cannot hold
        raise SubmissionError(f"{name} is not a valid notebook: its JSON cannot be read ({type(error).__name__}). "
                              "Save it again from Jupyter, or submit a .py file.") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise SubmissionError(f"{name} is not a valid notebook: no list of cells (nbformat 4 expected). "
                              "Save it again from Jupyter, or submit a .py file.")
    parts = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise SubmissionError(f"{name} is not a valid notebook: code cell {index} has no text source.")
        # A notebook's JSON may escape lone surrogates ("\ud800"), which no UTF-8 file can hold.
        parts.append(f"# cell {index}\n{clean_text(_strip_magics(source))}\n")
    return "\n".join(parts)


def source_of(submission: Submission) -> tuple[str, str]:
    """(source text, file name) of a ``.py`` or ``.ipynb`` :class:`Submission`; SubmissionError
    (one line) if it is another kind of file, not UTF-8, or a malformed notebook."""
    if not isinstance(submission, Submission):
        raise TypeError(f"source_of needs a Submission (read_submission's). Got {type(submission).__name__} instead.")
    name = submission.name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise SubmissionError(f"could not read {name}: expected a .py or .ipynb file, got {Path(name).suffix or 'no extension'!r}.")
    try:
        text = submission.data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SubmissionError(f"could not read {name}: it is not UTF-8 text (byte {error.start}). Save it as UTF-8.") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as Python reads a text file
    if suffix == ".ipynb":
        return notebook_source(text, name), Path(name).stem + ".py"
    return text, name


def read_source(path) -> tuple[str, str]:
    """(source text, file name) of a ``.py`` or ``.ipynb`` submission (a path, read by
    :func:`read_submission`, or a :class:`Submission`); SubmissionError if unusable."""
    return source_of(path if isinstance(path, Submission) else read_submission(path))
