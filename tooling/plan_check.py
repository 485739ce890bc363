"""The options no policy can see: refuse `import` and `retainOnDelete` in what a preview plans.

The analyzer protocol carries protect, ignoreChanges, deleteBeforeReplace, aliases,
customTimeouts, additionalSecretOutputs and parent (pulumi/pulumi proto/pulumi/analyzer.proto,
AnalyzerResourceOptions), so the policy pack judges those (policy/comments_policy/options.py).
`import` (adopt an existing AWS resource, whatever it holds, into the stack) and
`retainOnDelete` (a delete or replace leaves the resource in AWS, outside the stack) are not
among them, nor is `deletedWith` (its delete is skipped when another resource is deleted). This
check reads them where the engine writes them down:

- the update plan `pulumi preview --save-plan FILE` writes: apitype.DeploymentPlanV1
  (pulumi/pulumi sdk/go/common/apitype/plan.go, serialised by pkg/resource/stack/plan.go
  SerializePlan), `{"manifest": ..., "config": ..., "resourcePlans": {URN: {"goal": GoalV1,
  "steps": [OpType], "state": ..., "seed": ...}}}`. An import shows as a step `import` or
  `import-replacement` and as the goal's `id`, the import id the program asked for
  (pkg/resource/deploy/step_generator.go: an import is a goal with an ID). GoalV1 has no
  retainOnDelete field: the plan cannot say it.
- the engine's event log of the same preview (`--event-log FILE`, one apitype.EngineEvent per
  line; sdk/go/common/apitype/events.go): every step's `resourcePreEvent.metadata` with its `op`
  and the `old` and `new` StepEventStateMetadata, which carry `retainOnDelete`. The log holds
  every step, unchanged ones included (pkg/backend/display/display.go writes the engine's events
  before any display filter).
- offline, the program's own registrations (`--stack STACK`: the program run by
  tooling/offline_runner.py, whose PlannedResource.options record import, retainOnDelete and
  deletedWith); `python -m tooling.policy_check` reports the same as `engine-plan-options`.

Reading the plan and the events needs only the standard library, so the check can run from
another checkout than the program's.

    python -m tooling.plan_check PLAN.json [--events EVENTS.jsonl] [--stack STACK]

One of --events and --stack is required: the plan alone cannot say retainOnDelete. Exit 0:
nothing refused; 1: a resource is imported, retained or deleted with another (each named on its
own line); 2: a file is missing or is not what the engine writes, or neither is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NAME = "engine-plan-options"
# pulumi/pulumi sdk/go/common/apitype/history.go: OpImport, OpImportReplacement.
IMPORT_OPS = frozenset({"import", "import-replacement"})
# Steps that delete the old resource: with retainOnDelete in its state, AWS keeps it.
DELETE_OPS = frozenset({"delete", "delete-replaced", "replace", "discard-replaced"})
WHY_IMPORT = (
    "an imported resource arrives with whatever it already holds (data, policies, settings no "
    "rule has read before) and, once in the stack, a change to it deploys against that; create "
    "it from the program instead"
)
WHY_RETAIN = (
    "a delete or a replacement would leave it in AWS, outside the stack, its rules and its "
    "alarms, still holding its data and still billed; leave retainOnDelete unset"
)
WHY_DELETED_WITH = (
    "its own delete is skipped whenever that resource is deleted, so it can outlive the stack "
    "in AWS; leave deletedWith unset"
)


class PlanError(Exception):
    """A file is missing or is not the engine's plan or event log."""


@dataclass(frozen=True)
class Problem:
    urn: str
    message: str

    def line(self) -> str:
        return f"[mandatory] {NAME}  {self.urn}  {self.message}"


def _name(urn: str) -> str:
    """'urn:pulumi:prod::comments::a$aws:sns/topic:Topic::alarms' -> "Topic 'alarms'"."""
    parts = urn.split("::")
    if len(parts) < 4:
        return repr(urn)
    return f"{parts[2].rsplit('$', 1)[-1].rsplit(':', 1)[-1]} '{'::'.join(parts[3:])}'"


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PlanError(f"{path}: cannot be read ({error.strerror or error})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PlanError(f"{path}: not JSON ({error.msg}, line {error.lineno})") from None


def plan_problems(plan: Any, where: str = "the plan") -> list[Problem]:
    """Imports in a DeploymentPlanV1."""
    if not isinstance(plan, Mapping) or not isinstance(plan.get("manifest"), Mapping):
        raise PlanError(
            f"{where}: not an update plan (a JSON object with a manifest, as "
            "`pulumi preview --save-plan` writes)"
        )
    # omitempty: a plan with no resources has none
    resource_plans = plan.get("resourcePlans", {})
    if not isinstance(resource_plans, Mapping):
        raise PlanError(f"{where}: resourcePlans is not an object of URN -> resource plan")
    problems: list[Problem] = []
    for urn in sorted(resource_plans):
        resource_plan = resource_plans[urn]
        if not isinstance(resource_plan, Mapping):
            raise PlanError(f"{where}: the plan of {urn} is not an object")
        steps = resource_plan.get("steps") or []
        goal = resource_plan.get("goal") or {}
        if not isinstance(steps, list) or not isinstance(goal, Mapping):
            raise PlanError(f"{where}: the plan of {urn} has malformed steps or goal")
        imports = sorted(IMPORT_OPS.intersection(str(s) for s in steps))
        import_id = goal.get("id") or ""
        if imports or import_id:
            how = []
            if import_id:
                how.append(f"import id {str(import_id)!r}")
            if imports:
                how.append(f"step {', '.join(imports)}")
            problems.append(
                Problem(urn, f"{_name(urn)} is imported ({'; '.join(how)}): {WHY_IMPORT}")
            )
    return problems


def events_from_lines(
    lines: Iterable[str], where: str = "the event log"
) -> list[Mapping[str, Any]]:
    events: list[Mapping[str, Any]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError as error:
            raise PlanError(f"{where}: line {number} is not JSON ({error.msg})") from None
        if not isinstance(event, Mapping):
            raise PlanError(f"{where}: line {number} is not an engine event")
        events.append(event)
    return events


def _state(metadata: Mapping[str, Any], which: str) -> Mapping[str, Any]:
    """A step's `old` or `new` StepEventStateMetadata; null (a create has no old) is empty."""
    value = metadata.get(which)
    return value if isinstance(value, Mapping) else {}


def event_problems(events: list[Mapping[str, Any]], where: str = "the event log") -> list[Problem]:
    """Imports and retainOnDelete in the steps of an engine event log."""
    found: dict[tuple[str, str], Problem] = {}
    steps = 0
    for event in events:
        for kind in ("resourcePreEvent", "resOutputsEvent"):
            payload = event.get(kind)
            if not isinstance(payload, Mapping):
                continue
            metadata = payload.get("metadata")
            if not isinstance(metadata, Mapping):
                raise PlanError(f"{where}: a {kind} has no metadata")
            steps += 1
            urn = str(metadata.get("urn", ""))
            op = str(metadata.get("op", ""))
            new = _state(metadata, "new")
            old = _state(metadata, "old")
            if op in IMPORT_OPS:
                found[(urn, "import")] = Problem(
                    urn, f"{_name(urn)} is imported (step {op}): {WHY_IMPORT}"
                )
            if new.get("retainOnDelete") is True:
                found[(urn, "retain")] = Problem(
                    urn, f"{_name(urn)} sets retainOnDelete (step {op}): {WHY_RETAIN}"
                )
            elif op in DELETE_OPS and old.get("retainOnDelete") is True:
                found[(urn, "retain")] = Problem(
                    urn,
                    f"{_name(urn)} has retainOnDelete in the stack's state and the step {op} "
                    f"deletes it: {WHY_RETAIN}",
                )
    if steps == 0:
        raise PlanError(
            f"{where}: no resource step (every preview has one for the stack itself); not the "
            "event log of a preview"
        )
    return [found[key] for key in sorted(found)]


def option_problems(resources: Iterable[Any]) -> list[Problem]:
    """import, retainOnDelete and deletedWith as the program registered them (offline: the
    offline runner's PlannedResource, whose `options` hold what the engine received)."""
    problems: list[Problem] = []
    for resource in resources:
        options = resource.options
        subject = f"{resource.type.rsplit(':', 1)[-1]} '{resource.name}'"
        if options.import_id:
            problems.append(
                Problem(
                    resource.urn,
                    f"{subject} is imported (import={options.import_id!r}): {WHY_IMPORT}",
                )
            )
        if options.retain_on_delete:
            problems.append(Problem(resource.urn, f"{subject} sets retainOnDelete: {WHY_RETAIN}"))
        if options.deleted_with:
            problems.append(
                Problem(
                    resource.urn,
                    f"{subject} is deletedWith {options.deleted_with!r}: {WHY_DELETED_WITH}",
                )
            )
    return problems


def offline_label(problem: Problem) -> str:
    """The message as `tooling.policy_check` prints it: plainly outside the pack."""
    return (
        f"{NAME} (checked outside the policy pack, which cannot see these options; "
        f"tooling/plan_check.py checks the saved plan): {problem.message}"
    )


def _program_problems(stack: str) -> list[Problem]:
    from tooling.offline_runner import run_or_exit

    return option_problems(run_or_exit(stack).analyzed())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("plan", type=Path, help="the plan `pulumi preview --save-plan` wrote")
    parser.add_argument(
        "--events", type=Path, help="the engine's event log of the same preview (--event-log)"
    )
    parser.add_argument(
        "--stack", help="also run the program for this stack offline and read its options"
    )
    args = parser.parse_args(argv)
    if args.events is None and not args.stack:
        # Fail closed: the plan alone cannot say retainOnDelete.
        print(
            "error: the plan does not record retainOnDelete (apitype GoalV1 has no such field); "
            "pass the preview's --events log, or --stack to read the program's options",
            file=sys.stderr,
        )
        return 2
    try:
        problems = plan_problems(_read_json(args.plan), str(args.plan))
        if args.events is not None:
            try:
                lines = args.events.read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise PlanError(
                    f"{args.events}: cannot be read ({error.strerror or error})"
                ) from None
            events = events_from_lines(lines, str(args.events))
            problems += event_problems(events, str(args.events))
    except PlanError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.stack:
        problems += _program_problems(args.stack)
    unique = {(p.urn, p.message): p for p in problems}
    for problem in unique.values():
        print(problem.line())
    sources = ["the plan"] + (["the event log"] if args.events else [])
    sources += [f"the program for {args.stack}"] if args.stack else []
    if args.events is None:
        print(
            "note: the plan does not record retainOnDelete (GoalV1 has no such field); it was "
            "read from the program's registrations"
        )
    print(
        f"{NAME}: {len(unique)} refused (import, retainOnDelete, deletedWith) in "
        + ", ".join(sources)
    )
    return 1 if unique else 0


if __name__ == "__main__":
    code = main()
    if "tooling.offline_runner" in sys.modules:
        # The program ran: close the SDK's event loops while the interpreter is whole.
        sys.modules["tooling.offline_runner"].close_event_loops()
    sys.exit(code)
