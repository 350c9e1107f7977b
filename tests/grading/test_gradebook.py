"""The gradebook's bookkeeping: what makes a rerun regrade."""



def test_checks_version_follows_the_code_and_libraries_a_grade_depends_on(tmp_path, monkeypatch):
    # A grade depends on kit.training as much as on the checks: editing the trainer must regrade everything;
    # editing what decides no grade (the instructor's views, the CLI) must not.
    import shutil

    from kit.grading import gradebook
    from kit.paths import PACKAGE

    copy = tmp_path / "kit"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = gradebook.checks_version("04", package=copy)
    assert before == gradebook.checks_version("04", package=copy) == gradebook.checks_version("04")
    assert {"grading/sandbox/child.py", "grading/runners/engine.py", "training/trainer.py", "builders.py"} <= {
        path.relative_to(PACKAGE).as_posix() for path in gradebook.graded_files()}
    (copy / "cli.py").write_text((copy / "cli.py").read_text() + "\n# a comment\n")
    (copy / "grading" / "instructor" / "roster.py").write_text("# changed\n")
    assert gradebook.checks_version("04", package=copy) == before
    trainer = copy / "training" / "trainer.py"
    trainer.write_text(trainer.read_text() + "\n# a comment\n")
    assert gradebook.checks_version("04", package=copy) != before
    monkeypatch.setattr(gradebook.importlib.metadata, "version", lambda name: "0.0-other")
    assert gradebook.checks_version("04") != before
