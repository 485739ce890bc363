"""The deploy applies a saved update plan, and Pulumi documents one limitation: a resource
created inside an `apply` whose input is unknown at preview time is missing from the plan, so
`up --plan` fails on it. This test reads the program (infra/) and follows every function an
`apply` runs, through the program's own modules, looking for a resource constructor."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pulumi

from tests.workflows import pipeline_rules as rules

INFRA = rules.ROOT / "infra"


def _module_name(path: Path) -> str:
    return path.stem if path.name != "__init__.py" else path.parent.name


def _functions(sources: dict[str, str]) -> dict[str, ast.AST]:
    """Every function and class of the program by its bare name and as `module.name`."""
    index: dict[str, ast.AST] = {}
    for module, source in sources.items():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                index[node.name] = node
                index[f"{module}.{node.name}"] = node
    return index


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _is_resource(name: str, index: dict[str, ast.AST]) -> bool:
    """`aws.<module>.<Class>(...)`, or a class of the program that is a Pulumi resource."""
    if name.startswith("aws."):
        # Resolved against pulumi_aws itself: `...Args` input classes are not resources.
        module, _, cls = name.removeprefix("aws.").rpartition(".")
        found = getattr(importlib.import_module(f"pulumi_aws.{module}"), cls, None)
        return isinstance(found, type) and issubclass(found, pulumi.Resource)
    node = index.get(name)
    return isinstance(node, ast.ClassDef) and any(
        "Resource" in _dotted(base) for base in node.bases
    )


def resources_created_in_apply(sources: dict[str, str]) -> list[str]:
    index = _functions(sources)
    found: list[str] = []
    for module, source in sources.items():
        for call in ast.walk(ast.parse(source)):
            if not (isinstance(call, ast.Call) and _dotted(call.func).endswith(".apply")):
                continue
            pending: list[ast.AST] = list(call.args)
            seen: set[int] = set()
            while pending:
                node = pending.pop()
                if id(node) in seen:
                    continue
                seen.add(id(node))
                for inner in ast.walk(node):
                    name = _dotted(inner.func) if isinstance(inner, ast.Call) else _dotted(inner)
                    if isinstance(inner, ast.Call) and _is_resource(name, index):
                        found.append(f"{module}:{call.lineno}: apply creates {name}")
                    target = index.get(name) or index.get(name.rsplit(".", 1)[-1])
                    if isinstance(target, ast.FunctionDef):
                        pending.append(target)
    return found


def program_sources() -> dict[str, str]:
    return {_module_name(p): p.read_text() for p in INFRA.rglob("*.py")}


def test_the_program_creates_no_resource_inside_an_apply() -> None:
    sources = program_sources()
    assert "service" in sources and "__main__" in sources
    assert resources_created_in_apply(sources) == []


def test_the_check_finds_a_resource_created_in_an_apply_directly_or_through_a_function() -> None:
    sources = program_sources()
    direct = "x.apply(lambda arn: aws.s3.Bucket('b'))\n"
    helper = (
        "def make(arn):\n    return build(arn)\n\ndef build(arn):\n    return aws.sqs.Queue('q')\n"
    )
    helper += "y.apply(make)\n"
    assert resources_created_in_apply({**sources, "extra": direct}) == [
        "extra:1: apply creates aws.s3.Bucket"
    ]
    assert resources_created_in_apply({**sources, "extra": helper}) == [
        "extra:6: apply creates aws.sqs.Queue"
    ]
