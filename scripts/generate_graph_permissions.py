#!/usr/bin/env python3
"""Microsoft Graph's delegated scopes and application roles for the sandbox's Graph service principal.

Two steps, both deterministic (same input, byte-identical output):

    # 1. The data: Microsoft's published permissions, trimmed to what a service principal carries.
    python3 scripts/generate_graph_permissions.py extract permissions-descriptions.json permissions-ids.md \
        -o scripts/sources/graph-permissions.v1.json

    # 2. The Swift files the sandbox decodes once, on first use: the lists as JSON text (a string
    #    literal costs the compiler nothing; an array literal of hundreds of entries is slow).
    python3 scripts/generate_graph_permissions.py swift scripts/sources/graph-permissions.v1.json delegatedScopes \
        -o Sources/TutorSandbox/Tenant/GraphDelegatedScopesData.swift
    python3 scripts/generate_graph_permissions.py swift scripts/sources/graph-permissions.v1.json appRoles \
        -o Sources/TutorSandbox/Tenant/GraphAppRolesData.swift

Inputs of step 1 (public, Microsoft's own):
- microsoftgraph/microsoft-graph-devx-content permissions/permissions-descriptions.json
  (commit 01345536cc483b527066a747989f622a140bcb1c): `delegatedScopesList` (id, value, isAdmin,
  adminConsentDisplayName, adminConsentDescription; the user-consent texts are dropped) and
  `applicationScopesList` (id, value, consentDisplayName and consentDescription, which are an app
  role's displayName and description).
- microsoftgraph/microsoft-graph-docs-contrib concepts/includes/permissions-ids.md
  (commit 0fcd5cbe2910cde47ccadfc740b8df07f57244d7): rows `| name | Delegated or Application | id |`,
  the newer and longer list. A permission listed only there carries its id and value; its texts
  and its consent flag are not published with it and stay absent (the sandbox then says Admin).
Where both list a permission, the ids must agree; otherwise step 1 stops.

Errors name `file:line` and exit with status 2; an output file is written whole or not at all.
"""

import json
import os
import re
import sys
import tempfile

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ROW = re.compile(r"^\|\s*([A-Za-z][\w.\-]*)\s*\|\s*(Application|Delegated)\s*\|\s*([0-9a-fA-F-]{36})\s*\|\s*$")
SCOPE_KEYS = ("id", "value", "isAdmin", "adminConsentDisplayName", "adminConsentDescription")
ROLE_KEYS = ("id", "value", "displayName", "description")
LISTS = (("delegatedScopes", SCOPE_KEYS), ("appRoles", ROLE_KEYS))


class InputError(Exception):
    """Bad input: `path:line: message`."""

    def __init__(self, path, line, message):
        super().__init__(f"{path}:{line}: {message}")


def line_of(text, needle):
    """The 1-based line where `needle` first occurs in `text` (1 when absent)."""
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def line_of_entry(text, entry):
    """The line of `entry` in a one-permission-per-line file (its id's first line otherwise)."""
    if isinstance(entry, dict):
        needles = [f'"{key}": {json.dumps(entry.get(key), ensure_ascii=False)}' for key in ("id", "value")]
        for number, line in enumerate(text.split("\n"), 1):
            if all(needle in line for needle in needles):
                return number
        return line_of(text, json.dumps(entry.get("id")))
    return 1


def load_json(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        return json.loads(text), text
    except json.JSONDecodeError as error:
        raise InputError(path, error.lineno, f"not JSON: {error.msg}") from None


def ordered(entries):
    return sorted(entries, key=lambda entry: (entry["value"].lower(), entry["value"], entry["id"]))


def extract(descriptions_path, ids_path):
    """The trimmed data: {"delegatedScopes": [...], "appRoles": [...]}."""
    published, text = load_json(descriptions_path)
    scopes, roles = {}, {}
    for key, target, fields in (
        ("delegatedScopesList", scopes, {"isAdmin": "isAdmin", "adminConsentDisplayName": "adminConsentDisplayName",
                                         "adminConsentDescription": "adminConsentDescription"}),
        ("applicationScopesList", roles, {"displayName": "consentDisplayName", "description": "consentDescription"}),
    ):
        if not isinstance(published.get(key), list):
            raise InputError(descriptions_path, 1, f"no `{key}` list")
        for item in published[key]:
            value, identifier = item.get("value"), str(item.get("id", "")).lower()
            if not isinstance(value, str) or not GUID.match(identifier):
                raise InputError(descriptions_path, line_of(text, json.dumps(item.get("id"))), "entry without value or id")
            if value in target:
                raise InputError(descriptions_path, line_of(text, f'"value": "{value}"'), f"{value} listed twice")
            entry = {"id": identifier, "value": value}
            for mine, theirs in fields.items():
                if theirs in item:
                    entry[mine] = item[theirs]
            target[value] = entry
    with open(ids_path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            match = ROW.match(line.strip())
            if not match:
                continue
            value, kind, identifier = match.group(1), match.group(2), match.group(3).lower()
            target = scopes if kind == "Delegated" else roles
            known = target.get(value)
            if known is None:
                target[value] = {"id": identifier, "value": value}
            elif known["id"] != identifier:
                raise InputError(ids_path, number, f"{kind} {value} is {identifier} here, {known['id']} in {descriptions_path}")
    if not scopes or not roles:
        raise InputError(ids_path, 1, "no permissions found")
    return {"delegatedScopes": ordered(scopes.values()), "appRoles": ordered(roles.values())}


def check(data, path, text):
    """Stops at the first entry that is not a well-formed permission."""
    if not isinstance(data, dict) or set(data) != {name for name, _ in LISTS}:
        raise InputError(path, 1, 'expected {"delegatedScopes": [...], "appRoles": [...]}')
    for name, keys in LISTS:
        ids, values = set(), set()
        for entry in data[name]:
            where = line_of_entry(text, entry)
            if not isinstance(entry, dict) or not set(entry) <= set(keys) or not {"id", "value"} <= set(entry):
                raise InputError(path, where, f"{name} entry needs id and value, and only {', '.join(keys)}")
            if not isinstance(entry["id"], str) or not GUID.match(entry["id"]):
                raise InputError(path, where, f"id {entry['id']!r} is not a lower-case GUID")
            if not isinstance(entry["value"], str) or not entry["value"] or entry["value"] != entry["value"].strip():
                raise InputError(path, where, f"value {entry['value']!r} is empty or padded")
            if "isAdmin" in entry and not isinstance(entry["isAdmin"], bool):
                raise InputError(path, where, "isAdmin must be true or false")
            for key in keys[2:]:
                if key != "isAdmin" and key in entry and not isinstance(entry[key], str):
                    raise InputError(path, where, f"{key} must be a string")
            if entry["id"] in ids or entry["value"] in values:
                raise InputError(path, where, f"{entry['value']} ({entry['id']}) listed twice in {name}")
            ids.add(entry["id"])
            values.add(entry["value"])
        if not data[name]:
            raise InputError(path, 1, f"{name} is empty")


def entry_line(entry, keys):
    return json.dumps({key: entry[key] for key in keys if key in entry}, ensure_ascii=False)


def render_data(data):
    """One permission per line, keys in a fixed order: diffs stay readable and output is stable."""
    blocks = []
    for name, keys in LISTS:
        lines = ",\n".join(entry_line(entry, keys) for entry in ordered(data[name]))
        blocks.append(f'"{name}": [\n{lines}\n]')
    return "{\n" + ",\n".join(blocks) + "\n}\n"


SWIFT_FILES = {
    "delegatedScopes": ("GraphDelegatedScopesData.swift", "delegated scopes (`oauth2PermissionScopes`)"),
    "appRoles": ("GraphAppRolesData.swift", "application roles (`appRoles`)"),
}


def render_list(data, name):
    """One JSON array, one permission per line, keys in a fixed order."""
    keys = dict(LISTS)[name]
    return "[\n" + ",\n".join(entry_line(entry, keys) for entry in ordered(data[name])) + "\n]\n"


def render_swift(data, name, source):
    """A Swift file holding the `name` list as JSON text, which `GraphPermissionCatalog` decodes once."""
    body = render_list(data, name)
    if '"""#' in body:
        raise InputError(source, 1, 'a text contains """#, which would end the Swift literal')
    what = SWIFT_FILES[name][1]
    out = [
        f"// Generated by scripts/generate_graph_permissions.py from {source}; do not edit.",
        f"// {len(data[name])} {what}.",
        "",
        "extension GraphPermissionsData {",
        f"    /// Microsoft Graph's {what} as Microsoft publishes them, as a JSON array.",
        f'    static let {name} = #"""',
    ]
    out += ["        " + line for line in body.rstrip("\n").split("\n")]
    out += ['        """#', "}", ""]
    return "\n".join(out)


def write(text, output):
    """`text` to `output` whole (through a temporary file and a rename), or to stdout."""
    if output is None:
        sys.stdout.write(text)
        return
    directory = os.path.dirname(os.path.abspath(output))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".generate-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, output)
    except BaseException:
        os.unlink(temporary)
        raise


USAGE = ("usage: generate_graph_permissions.py extract DESCRIPTIONS.json IDS.md [-o DATA.json]\n"
         "       generate_graph_permissions.py swift DATA.json delegatedScopes|appRoles [-o FILE.swift]")


def main(arguments):
    output = None
    if len(arguments) >= 2 and arguments[-2] == "-o":
        output, arguments = arguments[-1], arguments[:-2]
    try:
        if arguments[:1] == ["extract"] and len(arguments) == 3:
            write(render_data(extract(arguments[1], arguments[2])), output)
        elif arguments[:1] == ["swift"] and len(arguments) == 3 and arguments[2] in SWIFT_FILES:
            data, text = load_json(arguments[1])
            check(data, arguments[1], text)
            write(render_swift(data, arguments[2], "scripts/sources/" + os.path.basename(arguments[1])), output)
        else:
            print(USAGE, file=sys.stderr)
            return 2
    except (InputError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
