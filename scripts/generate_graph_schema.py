#!/usr/bin/env python3
"""The sandbox's Microsoft Graph v1.0 schema, from Microsoft's published model.

Two steps, both reproducible:

    # 1. The excerpt: the served types and every type their properties reach, read from the
    #    models of Microsoft's msgraph-sdk wheel (Kiota code generated from the v1.0 CSDL).
    python3 -m pip download --no-deps msgraph-sdk==1.65.0 -d /tmp/msgraph
    python3 scripts/generate_graph_schema.py extract /tmp/msgraph/msgraph_sdk-1.65.0-py3-none-any.whl \
        > scripts/sources/graph-v1.0-schema.excerpt.json

    # 2. The Swift data the sandbox validates and renders with.
    python3 scripts/generate_graph_schema.py swift scripts/sources/graph-v1.0-schema.excerpt.json \
        | swift format --assume-filename GraphSchemaData.swift - > Sources/TutorSandbox/Graph/GraphSchemaData.swift

Why the wheel: the CSDL (microsoftgraph/msgraph-metadata, clean_v10_metadata/) could not be fetched
whole from this build machine (the stored copies reachable were years old, without the user-flow
types), while PyPI can be; msgraph-sdk's models are generated from the current CSDL and
keep, per property, its JSON name, its Edm type (through the deserializer), whether it is a
collection, and its CSDL description (as a comment). The excerpt keeps exactly that, nothing else.

Flags come from the CSDL descriptions, as Microsoft's reference pages state them: "Read-only"
(not "Read-only when …"), "Not nullable", "Returned only on $select", "maximum length is N".
"""

import hashlib
import json
import re
import sys
import zipfile

# The types the sandbox serves; the excerpt is their closure.
ROOTS = [
    "application",
    "servicePrincipal",
    "oAuth2PermissionGrant",
    "authenticationEventsFlow",
    "externalUsersSelfServiceSignUpEventsFlow",
    "authenticationConditionApplication",
]
MODELS = "msgraph/generated/models/"
PRIMITIVES = {
    "get_str_value": "Edm.String",
    "get_bool_value": "Edm.Boolean",
    "get_int_value": "Edm.Int32",
    "get_float_value": "Edm.Double",
    "get_uuid_value": "Edm.Guid",
    "get_datetime_value": "Edm.DateTimeOffset",
    "get_date_value": "Edm.Date",
    "get_time_value": "Edm.TimeOfDay",
    "get_timedelta_value": "Edm.Duration",
    "get_bytes_value": "Edm.Binary",
}
ELEMENT_PRIMITIVES = {
    "str": "Edm.String",
    "bool": "Edm.Boolean",
    "int": "Edm.Int32",
    "float": "Edm.Double",
    "UUID": "Edm.Guid",
    "datetime.datetime": "Edm.DateTimeOffset",
}
FIELD = re.compile(r'^\s+"([^"]+)": lambda n ?: setattr\(self, \'(\w+)\', n\.(\w+)\(([^)]*)\)\)', re.M)
COMMENT = re.compile(r"^    # (.*)\n    (\w+): ", re.M)
LIST_FIELD = re.compile(r"^    (\w+): Optional\[list\[", re.M)
CLASS = re.compile(r"^class (\w+)\(([^)]*)\):", re.M)
DISCRIMINATOR = re.compile(r'"#microsoft\.graph\.(\w+)"\.casefold\(\)')
ENUM_MEMBER = re.compile(r'^    \w+ = "([^"]+)",?$', re.M)
ODATA_NAME = re.compile(r'"#microsoft\.graph\.(\w+)"')


def snake(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class Wheel:
    def __init__(self, path):
        self.zip = zipfile.ZipFile(path)
        self.files = {name[len(MODELS):-3]: name for name in self.zip.namelist()
                      if name.startswith(MODELS) and name.count("/") == 3 and name.endswith(".py")}
        # Graph's type names keep their casing (oAuth2PermissionGrant); learn it from the
        # `#microsoft.graph.x` strings, keyed by the lower-cased class name.
        self.names = {}
        for file in self.files.values():
            for name in ODATA_NAME.findall(self.zip.read(file).decode()):
                self.names[name.lower()] = name

    def source(self, class_name):
        key = self.files.get(snake(class_name)) or self.files.get(snake(self.graph_name(class_name)))
        if key is None:
            raise SystemExit(f"error: no model file for {class_name}")
        return self.zip.read(key).decode()

    def graph_name(self, class_name):
        return self.names.get(class_name.lower(), class_name[0].lower() + class_name[1:])


def read_type(wheel, name):
    """One type of the wheel, by Graph name: enum members, or base, derived types, properties."""
    text = wheel.source(name[0].upper() + name[1:])
    if "(str, Enum)" in text:
        return {"kind": "enum", "members": ENUM_MEMBER.findall(text)}
    bases = [base.strip() for base in CLASS.search(text).group(2).split(",")]
    result = {"kind": "class"}
    if bases[0] not in ("AdditionalDataHolder", "BackedModel", "Parsable"):
        result["base"] = "graph." + wheel.graph_name(bases[0])
    derived = DISCRIMINATOR.findall(text)
    if derived:
        result["derived"] = derived
    comments = {field: comment for comment, field in COMMENT.findall(text)}
    lists = set(LIST_FIELD.findall(text))
    properties = []
    for json_name, field, getter, argument in FIELD.findall(text):
        if json_name == "@odata.type":
            continue
        entry = {"name": json_name}
        if getter in PRIMITIVES:
            entry["type"] = PRIMITIVES[getter]
        elif getter == "get_collection_of_primitive_values":
            entry["type"], entry["collection"] = ELEMENT_PRIMITIVES[argument], True
        elif getter in ("get_object_value", "get_enum_value"):
            entry["type"] = "graph." + wheel.graph_name(argument)
        elif getter in ("get_collection_of_object_values", "get_collection_of_enum_values"):
            entry["type"] = "graph." + wheel.graph_name(argument)
            if field in lists:
                entry["collection"] = True
            else:  # a flags enum: one string of comma-separated members
                entry["flags"] = True
        else:
            raise SystemExit(f"error: {name}.{json_name}: unknown deserializer {getter}")
        comment = comments.get(field)
        if comment and comment != f"The {field} property" and comment != f"The {json_name} property":
            entry["description"] = comment
        properties.append(entry)
    result["properties"] = properties
    return result


def extract(path):
    wheel = Wheel(path)
    cache = {}

    def load(name):
        if name not in cache:
            cache[name] = read_type(wheel, name)
        return cache[name]

    def is_entity(name):
        while name != "entity":
            definition = load(name)
            if definition["kind"] == "enum" or "base" not in definition:
                return False
            name = definition["base"][len("graph."):]
        return True

    types, pending = {}, list(ROOTS)
    while pending:
        name = pending.pop()
        if name in types:
            continue
        definition = dict(load(name))
        types[name] = definition
        if definition["kind"] == "enum":
            continue
        entity = is_entity(name)
        definition["kind"] = "entity" if entity else "complex"
        derived = definition.pop("derived", [])
        if not entity:
            definition["derived"] = derived
            pending += derived
        if "base" in definition:
            pending.append(definition["base"][len("graph."):])
        for prop in definition["properties"]:
            target = prop["type"][len("graph."):] if prop["type"].startswith("graph.") else None
            if target is None:
                continue
            if is_entity(target):
                prop["navigation"] = True
            else:
                pending.append(target)
    with open(path, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    return {
        "source": {
            "package": path.split("/")[-1],
            "sha256": digest,
            "note": "Properties, Edm types and CSDL descriptions of Microsoft Graph v1.0 as the msgraph-sdk "
            "models (generated from microsoftgraph/msgraph-metadata's v1.0 CSDL) carry them, for the "
            "types the sandbox serves and the types they reach. Made by scripts/generate_graph_schema.py "
            "extract; do not edit.",
        },
        "types": dict(sorted(types.items())),
    }


READ_ONLY = re.compile(r"\bRead-only\b(?! (when|for|after|if))", re.I)
NOT_NULLABLE = re.compile(r"\bNot nullable\b", re.I)
SELECT_ONLY = re.compile(r"Returned only on \$select|Requires \$select to retrieve", re.I)
MAX_LENGTH = re.compile(r"maximum (?:allowed size|length) is ([\d,]+) characters", re.I)


def swift_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def swift(excerpt, source_name):
    out = [
        f"// Generated by scripts/generate_graph_schema.py from {source_name}; do not edit.",
        f"// Source: {excerpt['source']['package']} (sha256 {excerpt['source']['sha256']}).",
        "",
        "/// Microsoft Graph v1.0's types the sandbox serves, and every type their properties reach.",
        "enum GraphSchemaData {",
        "    static let types: [String: GraphSchemaType] = [",
    ]
    for name, definition in excerpt["types"].items():
        if definition["kind"] == "enum":
            continue
        base = swift_string(definition["base"][len("graph."):]) if "base" in definition else "nil"
        derived = ", ".join(swift_string(value) for value in definition.get("derived", []))
        out.append(f"        {swift_string(name)}: GraphSchemaType(")
        out.append(f"            .{definition['kind']}, base: {base}, derived: [{derived}],")
        out.append("            properties: [")
        for prop in definition["properties"]:
            description = prop.get("description", "")
            flags = []
            if prop.get("collection"):
                flags.append(".collection")
            if prop.get("navigation"):
                flags.append(".navigation")
            if prop.get("flags"):
                flags.append(".enumFlags")
            if READ_ONLY.search(description):
                flags.append(".readOnly")
            if NOT_NULLABLE.search(description):
                flags.append(".notNullable")
            if SELECT_ONLY.search(description):
                flags.append(".selectOnly")
            kind = prop["type"][len("graph."):] if prop["type"].startswith("graph.") else prop["type"]
            line = f"                .init({swift_string(prop['name'])}, {swift_string(kind)}, [{', '.join(flags)}]"
            limit = MAX_LENGTH.search(description)
            if limit:
                line += f", maxLength: {limit.group(1).replace(',', '')}"
            out.append(line + "),")
        out.append("            ]),")
    out += ["    ]", "", "    static let enumerations: [String: [String]] = ["]
    for name, definition in excerpt["types"].items():
        if definition["kind"] == "enum":
            members = ", ".join(swift_string(value) for value in definition["members"])
            out.append(f"        {swift_string(name)}: [{members}],")
    out += ["    ]", "}", ""]
    return "\n".join(out)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("extract", "swift"):
        raise SystemExit("usage: generate_graph_schema.py extract WHEEL | swift EXCERPT.json")
    if sys.argv[1] == "extract":
        json.dump(extract(sys.argv[2]), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        with open(sys.argv[2], encoding="utf-8") as handle:
            sys.stdout.write(swift(json.load(handle), sys.argv[2].split("/")[-1]))


if __name__ == "__main__":
    main()
