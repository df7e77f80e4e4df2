"""Reads deploy/template.yaml for the rehearsal's scripts, CloudFormation's short forms
included: !Ref X, !GetAtt X.Arn and !Sub "…" become {"Ref": X}, {"Fn::GetAtt": [X, "Arn"]}
and {"Fn::Sub": "…"}, the template's own long forms. Needs PyYAML (tests/.tools/venv)."""

from __future__ import annotations

import os

import yaml

DEFAULT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "template.yaml")


class TemplateLoader(yaml.SafeLoader):
    pass


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node):
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


TemplateLoader.add_multi_constructor("!", _intrinsic)


def load(path: str = DEFAULT) -> dict:
    with open(path, encoding="utf-8") as file:
        return yaml.load(file, Loader=TemplateLoader)


def resources_of_type(template: dict, *types: str) -> dict[str, dict]:
    """{logical id: resource} of the given types, in the template's order."""
    return {logical: resource for logical, resource in template.get("Resources", {}).items()
            if resource.get("Type") in types}
