#!/usr/bin/env python3
"""Writes docs/commands.md, the command reference, from the argument parser's own description.

    scripts/generate_command_reference.py TUTOR [OUTPUT]

TUTOR is a built `tutor`; its `--experimental-dump-help` JSON (swift-argument-parser's ToolInfo,
serialization version 0) is the only source, so the reference cannot disagree with the parser.
OUTPUT defaults to standard output. `make docs` writes the file; `make check-docs` compares.
"""

import json
import subprocess
import sys

# Shown once at the top instead of under every command.
COMMON_FLAGS = {"help", "version"}


def flag_names(argument):
    """The argument's spellings: --long, -s, -longWithSingleDash."""
    spelled = []
    for name in argument.get("names", []):
        prefix = "--" if name["kind"] == "long" else "-"
        spelled.append(prefix + name["name"])
    return spelled


def is_shown(argument):
    if not argument.get("shouldDisplay", True):
        return False
    preferred = argument.get("preferredName", {}).get("name")
    return preferred not in COMMON_FLAGS


def usage_piece(argument):
    """One argument as it appears in a usage line."""
    value = "<" + argument.get("valueName", "value") + ">"
    if argument["kind"] == "positional":
        piece = value
    else:
        preferred = argument["preferredName"]
        piece = ("--" if preferred["kind"] == "long" else "-") + preferred["name"]
        if argument["kind"] == "option":
            piece += " " + value
    if argument.get("isRepeating"):
        piece += " ..."
    if argument.get("isOptional"):
        piece = "[" + piece + "]"
    return piece


def cell(text):
    """Text fit for one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def prose(text):
    """The parser's discussion as Markdown: indented runs of lines become code blocks."""
    blocks = []
    for paragraph in text.strip().split("\n\n"):
        words, code = [], []

        def flush_words():
            if words:
                blocks.append(" ".join(line.strip() for line in words))
                words.clear()

        def flush_code():
            if code:
                blocks.append("```\n" + "\n".join(line[2:] for line in code) + "\n```")
                code.clear()

        for line in paragraph.split("\n"):
            if line.startswith("  "):
                flush_words()
                code.append(line)
            else:
                flush_code()
                words.append(line)
        flush_words()
        flush_code()
    return "\n\n".join(blocks)


def command_section(command, path, out):
    name = " ".join(path)
    out.append(f"## `{name}`\n")
    if command.get("abstract"):
        out.append(command["abstract"] + "\n")
    arguments = [argument for argument in command.get("arguments", []) if is_shown(argument)]
    subcommands = [sub for sub in command.get("subcommands", []) if sub.get("shouldDisplay", True)]
    usage = [name] + (["<subcommand>"] if subcommands else []) + [usage_piece(a) for a in arguments]
    out.append("```\n" + " ".join(usage) + "\n```\n")
    if command.get("discussion"):
        out.append(prose(command["discussion"]) + "\n")
    if subcommands:
        out.append("| Subcommand | What it does |")
        out.append("| --- | --- |")
        for sub in subcommands:
            link = "-".join(path + [sub["commandName"]])
            out.append(f"| [`{sub['commandName']}`](#{link}) | {cell(sub.get('abstract', ''))} |")
        out.append("")
    if arguments:
        out.append("| Argument | Value | Default | Description |")
        out.append("| --- | --- | --- | --- |")
        for argument in arguments:
            if argument["kind"] == "positional":
                names = "`<" + argument.get("valueName", "value") + ">`"
            else:
                names = ", ".join(f"`{spelled}`" for spelled in flag_names(argument))
            value = ""
            if argument["kind"] == "option":
                value = "`<" + argument.get("valueName", "value") + ">`"
                if argument.get("allValues"):
                    value = " \\| ".join(f"`{choice}`" for choice in argument["allValues"])
            notes = []
            if argument.get("isRepeating"):
                notes.append("repeatable")
            if not argument.get("isOptional"):
                notes.append("required")
            description = cell(argument.get("abstract", ""))
            if argument.get("discussion"):
                description += " " + cell(argument["discussion"])
            if notes:
                description += f" ({', '.join(notes)})"
            default = f"`{argument['defaultValue']}`" if argument.get("defaultValue") not in (None, "") else ""
            out.append(f"| {names} | {value} | {default} | {description.strip()} |")
        out.append("")
    for sub in subcommands:
        command_section(sub, path + [sub["commandName"]], out)


def render(tool_info):
    if tool_info.get("serializationVersion") != 0:
        raise SystemExit(f"unsupported --experimental-dump-help version {tool_info.get('serializationVersion')}")
    root = tool_info["command"]
    out = [
        "# Command reference",
        "",
        "<!-- Generated by `make docs` (scripts/generate_command_reference.py) from"
        " `tutor --experimental-dump-help`; do not edit by hand: `make check-docs` fails when it is stale. -->",
        "",
        "Every command also takes `-h`/`--help`; `tutor --version` prints the version. "
        "`man tutor` shows the same reference once `make install` has run. "
        "What the commands do in depth: [running and rendering](running.md), "
        "[verify for docs authors and CI](verify-ci.md), [the sandbox](sandbox.md).",
        "",
    ]
    command_section(root, [root["commandName"]], out)
    return "\n".join(out).rstrip("\n") + "\n"


def main():
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    dump = subprocess.run([sys.argv[1], "--experimental-dump-help"], check=True, capture_output=True).stdout
    text = render(json.loads(dump))
    if len(sys.argv) == 3:
        with open(sys.argv[2], "w", encoding="utf-8") as output:
            output.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
