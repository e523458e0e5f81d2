"""What `main` makes of every command's errors: one line on stderr, exit status 2, no traceback."""
import pytest

from integration_hub.cli import main


@pytest.mark.parametrize("argv, message", [
    (["bank", "parse", "/nonexistent/file.bai"], "no such file"),
    (["demo", "--phase", "nope", "--scale", "20"], "no job for phase 'nope'"),
])
def test_errors_are_one_line(hub_env, tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "Traceback" not in err


@pytest.mark.parametrize("argv, message", [
    (["dedupe", "{export}/stripe/customers.csv", "--out", "{tmp}/x.csv", "--field", "bogus=name"], "unknown role"),
    (["dedupe", "{export}/stripe/customers.csv", "--out", "{tmp}/x.csv", "--field", "email=nope"], "not in the input"),
    (["dedupe", "{tmp}/missing.csv", "--out", "{tmp}/x.csv"], "no such file"),
    (["standardize", "{tmp}/missing.csv", "--out", "{tmp}/x.csv"], "missing.csv"),
])
def test_data_command_errors_are_one_line(export, tmp_path, capsys, argv, message):
    argv = [a.format(export=export, tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


GROUPS = ["generate", "demo", "bank", "quarantine", "audit", "lineage", "keys", "standardize", "dedupe", "erp", "phase",
          "access", "change", "golive"]
COMMANDS = [*GROUPS, "rollback"]     # the golive group also adds `rollback`


@pytest.mark.parametrize("module", ["integration_hub.cli", "integration_hub.cli.main", "integration_hub.cli.common"]
                         + [f"integration_hub.cli.{group}" for group in GROUPS])
def test_each_cli_module_imports_alone_without_the_heavy_libraries(module):
    """No import cycle between the command modules; dagster and pandas wait until a command runs."""
    import subprocess
    import sys

    code = (f"import importlib, sys; importlib.import_module({module!r}); "
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'dagster', 'pandas', 'sqlalchemy', 'tqdm'}); "
            "print(heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_help_lists_every_group_in_order(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    assert "{" + ",".join(COMMANDS) + "}" in capsys.readouterr().out
