#!/usr/bin/env python3
"""Writes a cookiecutter template equivalent to tutor's Templates/flask-webapp.

    make-template.py TEMPLATE_FOLDER OUT_FOLDER

The cookiecutter template holds the same files, at the same paths and modes, with the same
variables: Mustache `{{X}}` becomes Jinja `{{cookiecutter.X}}`, `{{#X}}…{{/X}}` becomes
`{% if cookiecutter.X %}…{% endif %}` and `{{^X}}…{{/X}}` `{% if not cookiecutter.X %}…{% endif %}`;
the derived REDIRECT_PORT, REDIRECT_ORIGIN and REDIRECT_LOCAL_PORT are computed in
cookiecutter.json from REDIRECT_URI, RENDERED_FROM_RUN is set (the comparison renders a run's
values, as `tutor render --state-dir` does), and the verbatim folders are copied without
rendering, as tutor does. It is generated (not checked in) so that it never drifts from the
template it is compared with.
"""

import json
import os
import re
import sys

PROJECT = "{{cookiecutter.project_slug}}"


def to_jinja(text):
    text = re.sub(r"\{\{#\s*([A-Za-z0-9_]+)\s*\}\}\n?", r"{% if cookiecutter.\1 %}", text)
    text = re.sub(r"\{\{\^\s*([A-Za-z0-9_]+)\s*\}\}\n?", r"{% if not cookiecutter.\1 %}", text)
    text = re.sub(r"\{\{/\s*([A-Za-z0-9_]+)\s*\}\}\n?", r"{% endif %}", text)
    return re.sub(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}", r"{{cookiecutter.\1}}", text)


def main(template_folder, out_folder):
    with open(os.path.join(template_folder, "template.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    context = {"project_slug": "flask-app"}
    for variable in manifest["variables"]:
        context[variable["name"]] = ""
    # Derived values, worked out by Jinja the way tutor's manifest derives them.
    context["REDIRECT_PORT"] = "{{ cookiecutter.REDIRECT_URI.split('/')[2].split(':')[1] }}"
    context["REDIRECT_ORIGIN"] = "{{ cookiecutter.REDIRECT_URI.split('/')[:3] | join('/') }}"
    context["REDIRECT_LOCAL_PORT"] = (
        "{% set host = cookiecutter.REDIRECT_URI.split('/')[2].rsplit(':', 1) %}"
        "{{ host[1] if host[0] in ['localhost', '127.0.0.1', '[::1]'] and host | length == 2 else '' }}"
    )
    context["RENDERED_FROM_RUN"] = "true"
    verbatim = manifest.get("verbatimDirectories", [])
    context["_copy_without_render"] = [f"{folder}/*" for folder in verbatim] + [
        f"{folder}/**/*" for folder in verbatim
    ]
    os.makedirs(os.path.join(out_folder, PROJECT), exist_ok=True)
    with open(os.path.join(out_folder, "cookiecutter.json"), "w", encoding="utf-8") as handle:
        json.dump(context, handle, indent=2)
    for entry in manifest["files"]:
        with open(os.path.join(template_folder, "files", entry["source"]), encoding="utf-8") as handle:
            text = handle.read()
        if entry.get("render"):
            text = to_jinja(text)
        target = os.path.join(out_folder, PROJECT, entry["path"])
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(target, int(entry.get("mode", "0644"), 8))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: make-template.py TEMPLATE_FOLDER OUT_FOLDER")
    main(sys.argv[1], sys.argv[2])
