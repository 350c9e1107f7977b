"""kit.config: every KIT_* variable read in one place, the same way, documented in one table."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest

from kit import config, paths
from kit.errors import InvalidParameter


def test_the_table_in_the_docstring_and_the_docs_is_the_module():
    table = config.table()
    assert table in config.__doc__, "kit/config.py's docstring: paste kit.config.table() in"
    docs = (paths.repository_root() / "docs" / "configuration.md").read_text()
    assert table in docs, "docs/configuration.md: paste kit.config.table() in"
    for name in config.VARIABLES:  # every row is in the rendered table, once
        assert len(re.findall(rf"^{name} ", table, flags=re.M)) == 1, name


def _read_outside_config():
    """``os.environ[...]``/``.get("KIT_…")``/``getenv`` reads of a KIT_* name anywhere but kit/config.py."""
    found = []
    for path in sorted(paths.PACKAGE.rglob("*.py")):
        if path.name == "config.py" and path.parent == paths.PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in ("get", "getenv", "pop") and node.args and \
                    isinstance(node.args[0], ast.Constant) and str(node.args[0].value).startswith("KIT_"):
                found.append(f"{path.relative_to(paths.repository_root())}:{node.lineno}")
            elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and \
                    str(node.slice.value).startswith("KIT_") and isinstance(node.ctx, ast.Load):
                found.append(f"{path.relative_to(paths.repository_root())}:{node.lineno}")
    return found


def test_no_module_reads_a_kit_variable_itself():
    # kit grade-batch passes the class folder on to its zygotes by extending KIT_GRADING_HIDE
    # (it writes the environment, then puts back what it found): the one raw access allowed.
    found = [where for where in _read_outside_config() if not where.startswith("kit/commands/batch.py")]
    assert not found, f"read KIT_* variables with kit.config.read: {found}"


def test_every_variable_reads_its_default_when_unset_and_a_set_value(monkeypatch):
    for name, variable in config.VARIABLES.items():
        monkeypatch.delenv(name, raising=False)
        assert config.read(name) == config.default(name), name
        monkeypatch.setenv(name, "   ")  # blank is unset
        assert config.read(name) == config.default(name), name
    monkeypatch.setenv("KIT_GRADEBOOK_WAIT", " 2.5 ")
    monkeypatch.setenv("KIT_SANDBOX_UIDS", "70000-70009")
    monkeypatch.setenv("KIT_CHECK_SERVER", "Always")
    monkeypatch.setenv("KIT_SANDBOX_UNPRIVILEGED", "yes")
    monkeypatch.setenv("KIT_EXERCISES", "/tmp/elsewhere")
    assert config.read("KIT_GRADEBOOK_WAIT") == 2.5 and config.read("KIT_SANDBOX_UIDS") == range(70000, 70010)
    assert config.read("KIT_CHECK_SERVER") == "always" and config.read("KIT_SANDBOX_UNPRIVILEGED") is True
    assert str(paths.exercises_root()) == "/tmp/elsewhere"


@pytest.mark.parametrize("name, text", [
    ("KIT_GRADEBOOK_WAIT", "soon"), ("KIT_GRADEBOOK_WAIT", "0"), ("KIT_GRADEBOOK_WAIT", "inf"),
    ("KIT_CHECK_SERVER_IDLE", "-5"), ("KIT_CHECK_SERVER", "maybe"), ("KIT_SANDBOX_LEVEL", "partial"),
    ("KIT_SANDBOX_UNPRIVILEGED", "2"), ("KIT_SANDBOX_UIDS", "9-3"), ("KIT_SANDBOX_UIDS", "a-b"),
    ("KIT_REQUIRE_ISOLATION", "maybe")])
def test_a_bad_value_is_one_sentence_naming_the_variable_the_value_and_what_it_accepts(monkeypatch, name, text):
    monkeypatch.setenv(name, text)
    with pytest.raises(InvalidParameter) as raised:
        config.read(name)
    message = str(raised.value)
    assert message.startswith(f"The {name} environment variable must be {config.VARIABLES[name].accepts}. "
                              f"Got {text!r} instead."), message
    assert "\n" not in message and raised.value.parameter == name


def test_an_unknown_name_is_refused_with_the_closest():
    with pytest.raises(InvalidParameter, match="Did you mean 'KIT_EXERCISES'"):
        config.read("KIT_EXERCISE")


def test_importing_it_loads_neither_tensorflow_nor_numpy_nor_the_errors():
    code = ("import sys, kit.config; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'numpy', 'kit.errors') if m in sys.modules))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                               cwd=paths.repository_root())
    assert completed.stdout.strip() == "[]", completed.stdout
