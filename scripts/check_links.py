#!/usr/bin/env python3
"""Checks the relative links of the repository's own Markdown (README.md, docs/, Benchmarks/).

    scripts/check_links.py [FILE.md …]

Every relative link must name a file or folder inside the repository, and a `#fragment` must
name a heading of the target (GitHub's anchor rules). Links to web pages are not followed.
Prints `file:line: …` for each broken link and exits 1 when there is one.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def anchors(path):
    """GitHub's anchors for the headings of a Markdown file."""
    found, seen = set(), {}
    in_fence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence or not line.startswith("#"):
            continue
        title = line.lstrip("#").strip().lower()
        slug = re.sub(r"[^\w\- ]", "", title).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def check(path):
    problems = []
    in_fence = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):  # code spans are not links
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue  # a web page or mailto: not ours to check
            file_part, _, fragment = target.partition("#")
            resolved = (path.parent / file_part).resolve() if file_part else path
            where = f"{path.relative_to(ROOT)}:{number}"
            if ROOT not in resolved.parents and resolved != ROOT:
                problems.append(f"{where}: {target} points outside the repository")
            elif not resolved.exists():
                problems.append(f"{where}: {target}: no such file")
            elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
                problems.append(f"{where}: {target}: no heading #{fragment}")
    return problems


def main():
    files = [pathlib.Path(name).resolve() for name in sys.argv[1:]] or (
        [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "Benchmarks" / "README.md"]
    )
    problems = [problem for path in files for problem in check(path)]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"{len(files)} Markdown files: every relative link resolves inside the repository")


if __name__ == "__main__":
    main()
