"""The console scripts `pip install` makes: names, targets and their --help."""

import ast
import configparser
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _setup_cfg():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return config


def _console_scripts(config=None):
    lines = (config or _setup_cfg())["options.entry_points"]["console_scripts"]
    return dict(tuple(part.strip() for part in line.split("="))
                for line in lines.strip().splitlines())


def test_each_bin_command_is_a_prefixed_console_script():
    config = _setup_cfg()
    scripts = _console_scripts(config)
    commands = sorted(p.name for p in (ROOT / "bin").iterdir() if p.is_file())
    expected = {("keras-redact" if name == "redact" else f"keras-redact-{name}"):
                f"keras_redact.cli.{name}:entry" for name in commands}
    assert scripts == expected  # nothing installed as a bare `export`, `delete`, ...
    assert "scripts" not in config["options"]
    for target in scripts.values():
        module, function = target.split(":")
        path = ROOT / (module.replace(".", "/") + ".py")
        tree = ast.parse(path.read_text())
        assert function in {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert ast.get_docstring(tree).splitlines()[0]


@pytest.mark.parametrize("name,flag", [("keras-redact", "--mixed_precision"),
                                       ("keras-redact-export", "--generator")])
def test_console_script_help_shows_the_command_and_its_flags(name, flag):
    # What the wrapper pip writes does: import the target and call it, with no docstring
    # in __main__ and argv[0] the script's name.
    module, function = _console_scripts()[name].split(":")
    code = (f"import sys; sys.argv = [{name!r}, '--help']; "
            f"from {module} import {function}; {function}()")
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=300, cwd=ROOT)
    first_line = ast.get_docstring(ast.parse(
        (ROOT / (module.replace(".", "/") + ".py")).read_text())).splitlines()[0]
    assert result.stdout.startswith(first_line)
    assert f"{name}:\n" in result.stdout and f"  {flag}:" in result.stdout
    assert "Traceback" not in result.stderr
