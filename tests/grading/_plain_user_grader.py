"""Grade as a plain user would, on a root machine; run by test_call_separation.py in its own process.

It gives up every capability (so it, the zygote, the keepers and the runners are uid 0 with no
privilege: a plain user's processes, which only the non-dumpable flag and the sockets protect
from one another), sets ``KIT_SANDBOX_UNPRIVILEGED=1``, starts one zygote and grades exercise
04: a correct file; a file whose first call leaves a ``setsid`` process that attacks; a correct
file while a process of the same user, started outside the sandbox, attacks; and a file with
``require_isolation=True``. It writes one JSON object to the path given.

    python -m tests.grading._plain_user_grader OUT.json
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = (Path(__file__).parent / "submissions" / "_base.py").read_text()

# Tries, for as long as it lives, to write a forged answer frame and a forged status into every
# descriptor of the grader's processes (the grading process, the zygote and all below it: never
# anything else on the machine), and to open their memory; records what it managed to open.
ATTACK = r'''
import json, os, struct, time

FORGED = json.dumps({"ok": True, "value": {"grid": {"error": {"type": "Forged", "message": "LEFTOVER"}}}}).encode()
FRAME = struct.pack("<Q", len(FORGED)) + FORGED
STATUS = json.dumps({"state": "answered", "seconds": 0.0}).encode()


def _parent(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _descendants(roots):
    found, parents = set(roots), {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            parents[int(entry)] = _parent(int(entry))
    grown = True
    while grown:
        grown = False
        for pid, parent in parents.items():
            if parent in found and pid not in found:
                found.add(pid)
                grown = True
    return found


def attack(roots, seconds, record, heartbeat=None, control=None):
    me = os.getpid()
    opened, refused, loops = [], 0, 0
    deadline = time.monotonic() + seconds
    control_opened = False
    while time.monotonic() < deadline and not os.path.exists(record + ".stop"):
        if heartbeat:  # written whole, then renamed: a reader never sees it empty
            with open(heartbeat + ".new", "w") as handle:
                handle.write(f"{me} {loops}")
            os.replace(heartbeat + ".new", heartbeat)
        if control and not control_opened:
            try:
                os.close(os.open(f"/proc/{control}/fd/0", os.O_WRONLY | os.O_NONBLOCK))
                control_opened = True
            except OSError:
                pass
        for pid in _descendants(roots) - {me, control}:
            for number in range(64):
                try:
                    fd = os.open(f"/proc/{pid}/fd/{number}", os.O_WRONLY | os.O_NONBLOCK)
                except OSError:
                    refused += 1
                    continue
                try:
                    target = os.readlink(f"/proc/{pid}/fd/{number}")
                except OSError:
                    target = "?"
                opened.append([pid, number, target])
                for data in (FRAME, STATUS):
                    try:
                        os.write(fd, data)
                    except OSError:
                        pass
                os.close(fd)
            try:
                os.close(os.open(f"/proc/{pid}/mem", os.O_RDWR))
                opened.append([pid, "mem", ""])
            except OSError:
                refused += 1
        loops += 1
        with open(record + ".tmp", "w") as handle:
            json.dump({"loops": loops, "opened": opened, "refused": refused, "control": control_opened}, handle)
        os.replace(record + ".tmp", record)
        time.sleep(0.002)
'''

# Module-level code of a submission: its first import (the import check) leaves a process that
# has left the runner's session and process group, and attacks the grader from there.
LEFTOVER = '''
import os as _os

_RECORD = {record!r}
if not _os.path.exists(_RECORD + ".started"):
    open(_RECORD + ".started", "w").close()
    if _os.fork() == 0:
        _os.setsid()
        if _os.fork() == 0:
            _namespace = {{}}
            exec({attack!r}, _namespace)
            _chain, _pid = [], _os.getppid()
            while _pid and _pid > 1 and len(_chain) < 8:  # up to the zygote and the grading process above it
                _chain.append(_pid)
                with open(f"/proc/{{_pid}}/cmdline", "rb") as _handle:
                    _zygote = b"kit.grading.sandbox.zygote_process" in _handle.read()
                _pid = _namespace["_parent"](_pid)
                if _zygote:
                    _chain.append(_pid)
                    break
            _namespace["attack"](_chain, 60.0, _RECORD, heartbeat=_RECORD + ".heartbeat")
            _os._exit(0)
        _os._exit(0)
    _os.wait()
    import time as _time

    _until = _time.monotonic() + 5
    while not _os.path.exists(_RECORD + ".heartbeat") and _time.monotonic() < _until:
        _time.sleep(0.001)  # the leftover is running before this call can end
'''


def _read(path: str):
    return json.loads(Path(path).read_text()) if os.path.exists(path) else None


def main(out: str) -> None:
    from kit.grading.sandbox import child

    child.drop_capabilities()
    os.environ["KIT_SANDBOX_UNPRIVILEGED"] = "1"
    from kit.grading import grade_submission
    from kit.grading.runners import report
    from kit.grading.authoring.exercises import load_checks
    from kit.grading.sandbox.limits import Limits
    from kit.grading.sandbox.zygote import IsolationRequired, Zygote

    limits = Limits(timeout=3, memory_mb=512, processes=64, output_kb=256)  # tests/grading/conftest.py's
    checks = load_checks("04")
    folder = Path(tempfile.mkdtemp(prefix="kit-plain-user-"))
    found = {}

    def grade(name, source, **options):
        path = folder / name
        path.write_text(source)
        return grade_submission("04", path, zygote=zygote, limits=limits, checks=checks, **options)

    with Zygote() as zygote:
        clean = grade("clean.py", BASE)
        found["clean"] = clean.as_dict(timings=False) | {"calls": clean.calls}
        found["reports"] = {format: report.render(clean, format) for format in report.FORMATS}

        record = str(folder / "leftover")
        result = grade("leftover.py", BASE + LEFTOVER.format(record=record, attack=ATTACK))
        heartbeat = Path(record + ".heartbeat")
        pid = int(heartbeat.read_text().split()[0]) if heartbeat.exists() else None
        found["leftover"] = {"grade": result.as_dict(timings=False) | {"calls": result.calls}, "pid": pid,
                             "alive_after": pid is not None and Path(f"/proc/{pid}").exists(),
                             "attempts": _read(record)}

        record = str(folder / "attack")
        control = subprocess.Popen(["sleep", "300"], stdin=subprocess.PIPE)  # a dumpable process of the same user
        attacker = subprocess.Popen([sys.executable, "-c", ATTACK + "\nimport sys\nattack([int(a) for a in "
                                     "sys.argv[1:3]], 120.0, sys.argv[3], control=int(sys.argv[4]))\n",
                                     str(os.getpid()), str(zygote.pid), record, str(control.pid)])
        deadline = time.monotonic() + 60
        while not os.path.exists(record) and time.monotonic() < deadline:
            time.sleep(0.05)
        loops_before = (_read(record) or {"loops": 0})["loops"]
        try:
            result = grade("attacked.py", BASE)
        finally:
            Path(record + ".stop").touch()
            attacker.wait(timeout=60)
            control.kill()
            control.wait()
        found["attacked"] = {"grade": result.as_dict(timings=False) | {"calls": result.calls},
                             "attempts": _read(record), "loops_before": loops_before}

        marker = folder / "ran"
        try:
            grade("refused.py", BASE + f"\nopen({str(marker)!r}, 'w').close()\n", require_isolation=True)
            found["refused"] = {"raised": False}
        except IsolationRequired as refused:
            found["refused"] = {"raised": True, "message": str(refused), "code_ran": marker.exists()}
    Path(out).write_text(json.dumps(found))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1])
