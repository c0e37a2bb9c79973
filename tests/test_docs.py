"""Every `bin/<command> --flag` the README and docs write is a flag of that command."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
ABSL = {"help", "helpshort", "helpfull", "verbosity", "v", "logtostderr", "flagfile"}


def command_flags(command: str) -> set[str]:
    """The flags `bin/<command>` defines, read from its module (absl's own added)."""
    source = (ROOT / "keras_redact" / "cli" / f"{command}.py").read_text()
    names = set(re.findall(r"DEFINE_\w+\(\s*\"(\w+)\"", source))
    shared = (ROOT / "keras_redact" / "cli" / "flags.py").read_text()
    if "define_scaling_flags(" in source:
        names |= {"strategy", "mixed_precision"}
        if "define_scaling_flags(jit=False)" not in source:
            names.add("jit_compile")
    if "define_condition_flags(" in source:
        names |= set(re.findall(r"DEFINE_\w+\(\s*\"(\w+)\"",
                                shared[shared.index("def define_condition_flags"):]))
    return names | ABSL


def written_commands():
    """`(file, command, flag)` for each flag of each `bin/<command>` line, continuation
    lines (`\\`) included; the command's text stops at a backquote or the line's end."""
    for path in DOCS:
        text = re.sub(r"\\\n\s*", " ", path.read_text())
        for match in re.finditer(r"bin/(\w+)((?:[ \t]+[^\s`|]+)*)", text):
            command, rest = match.groups()
            if not (ROOT / "bin" / command).exists():
                continue
            for flag in re.findall(r"(?<![\w-])--(?:no)?(\w+)", rest):
                yield path.name, command, flag


def test_every_flag_in_the_docs_is_a_flag_of_its_command():
    unknown = set()
    for name, command, flag in written_commands():
        flags = command_flags(command)
        if flag not in flags and flag.removeprefix("no") not in flags:
            unknown.add(f"{name}: bin/{command} --{flag}")
    assert not unknown, sorted(unknown)


def test_the_checker_reads_commands_and_their_flags():
    assert {"generator", "model_contract", "strategy", "off_condition"} <= command_flags(
        "redact")
    assert "jit_compile" not in command_flags("redact")
    found = list(written_commands())
    assert ("README.md", "redact", "target_invalidity") in found
    assert len({command for _, command, _ in found}) >= 5
