"""tooling/plan_check.py: import and retainOnDelete, which no policy can see, refused in the update
plan and the event log a preview writes, and offline in the program's registrations.

The files below are shaped as the engine writes them, from pulumi/pulumi at commit
1b5949891b3cefcb9974752b24a5ecef0acc86c8:
- the plan: `pulumi preview --save-plan` (pkg/cmd/pulumi/plan/plan.go Write) encodes
  apitype.DeploymentPlanV1 (sdk/go/common/apitype/plan.go) as stack.SerializePlan builds it
  (pkg/resource/stack/plan.go): `manifest`, `config`, `resourcePlans` of URN -> ResourcePlanV1
  (`goal`: GoalV1, `steps`: OpTypes, `state`: the planned outputs, never omitted, `seed`: base64).
  GoalV1's `inputDiff`/`outputDiff` are structs (always written), `protect` and `custom` have no
  omitempty, `id` is the goal's ID: the import id (pkg/resource/deploy/step_generator.go, an
  import is `goal.Custom && goal.ID != ""`; its plan is NewGoalPlan(nil, goal), no diff).
- the event log: `--event-log` (pkg/backend/display/display.go startEventLogger) writes one
  apitype.EngineEvent per line (sdk/go/common/apitype/events.go): `sequence`, `timestamp` and one
  payload; a step's `resourcePreEvent.metadata` is StepEventMetadata (`op`, `urn`, `type`, `old`,
  `new`, `detailedDiff`, `provider`) whose `old`/`new` are StepEventStateMetadata with
  `retainOnDelete` (omitempty: only written when true).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tooling import plan_check
from tooling.offline_runner import run_stack
from tooling.policy_check import main as policy_check_main
from tooling.policy_check import stack_mocks

STACK_URN = "urn:pulumi:prod::comments::pulumi:pulumi:Stack::comments-prod"
PROVIDER_URN = "urn:pulumi:prod::comments::pulumi:providers:aws::default_7_51_1"
PROVIDER_REF = f"{PROVIDER_URN}::04da6b54-80e4-46f7-96ec-b56ff0331ba9"
COMPONENT_URN = "urn:pulumi:prod::comments::comments:service:CommentsService::comments-prod"
TABLE_URN = (
    "urn:pulumi:prod::comments::comments:service:CommentsService$aws:dynamodb/table:Table"
    "::comments-prod-table"
)
TOPIC_URN = "urn:pulumi:prod::comments::aws:sns/topic:Topic::imported-topic"


def goal(
    type_: str,
    name: str,
    *,
    custom: bool = True,
    parent: str = STACK_URN,
    adds: dict[str, Any] | None = None,
    import_id: str = "",
    protect: bool = False,
) -> dict[str, Any]:
    """A GoalV1 as encoding/json writes it: omitempty fields only when set."""
    document: dict[str, Any] = {
        "type": type_,
        "name": name,
        "custom": custom,
        "inputDiff": {"adds": adds} if adds else {},
        "outputDiff": {},
        "protect": protect,
    }
    if parent:
        document["parent"] = parent
    if custom and not type_.startswith("pulumi:providers:"):
        document["provider"] = PROVIDER_REF
    if import_id:
        document["id"] = import_id
    return document


def resource_plan(goal_: dict[str, Any] | None, steps: list[str]) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "steps": steps,
        "state": None,
        "seed": base64.b64encode(b"\x01" * 32).decode(),
    }
    if goal_ is not None:
        plan["goal"] = goal_
    return plan


def deployment_plan(**extra: dict[str, Any]) -> dict[str, Any]:
    """A first deploy of prod, cut down: the stack, the default provider, the component, the
    table; `extra` adds resource plans."""
    return {
        "manifest": {
            "time": "2026-08-21T19:18:00.000000000Z",
            "magic": "7f8a3b0c9d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8",
            "version": "v3.272.0",
        },
        "config": {"aws:allowedAccountIds": '["333333333333"]', "aws:region": "us-east-1"},
        "resourcePlans": {
            STACK_URN: resource_plan(
                goal("pulumi:pulumi:Stack", "comments-prod", custom=False, parent=""), ["create"]
            ),
            PROVIDER_URN: resource_plan(
                goal(
                    "pulumi:providers:aws",
                    "default_7_51_1",
                    parent="",
                    adds={"region": "us-east-1", "version": "7.51.1"},
                ),
                ["create"],
            ),
            COMPONENT_URN: resource_plan(
                goal("comments:service:CommentsService", "comments-prod", custom=False),
                ["create"],
            ),
            TABLE_URN: resource_plan(
                goal(
                    "aws:dynamodb/table:Table",
                    "comments-prod-table",
                    parent=COMPONENT_URN,
                    adds={"billingMode": "PROVISIONED", "readCapacity": 2},
                    protect=True,
                ),
                ["create"],
            ),
            **extra,
        },
    }


def state(urn: str, type_: str, *, retain: bool = False, custom: bool = True) -> dict[str, Any]:
    """StepEventStateMetadata: `id`, `parent`, `inputs`, `outputs`, `provider` always written."""
    document: dict[str, Any] = {
        "type": type_,
        "urn": urn,
        "id": "",
        "parent": STACK_URN,
        "inputs": {},
        "outputs": {},
        "provider": PROVIDER_REF if custom else "",
    }
    if custom:
        document["custom"] = True
    if retain:
        document["retainOnDelete"] = True
    return document


def pre_event(
    sequence: int,
    op: str,
    urn: str,
    type_: str,
    *,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "sequence": sequence,
        "timestamp": 1787339880,
        "resourcePreEvent": {
            "metadata": {
                "op": op,
                "urn": urn,
                "type": type_,
                "old": old,
                "new": new,
                "detailedDiff": None,
                "provider": "" if type_.startswith("pulumi:") else PROVIDER_REF,
            },
            "planning": True,
        },
    }


def event_log(*steps: dict[str, Any]) -> list[dict[str, Any]]:
    """A preview's log: the prelude, the stack's own step, the given steps, the summary."""
    stack = pre_event(
        1, "create", STACK_URN, "pulumi:pulumi:Stack",
        new=state(STACK_URN, "pulumi:pulumi:Stack", custom=False),
    )  # fmt: skip
    return [
        {"sequence": 0, "timestamp": 1787339880, "preludeEvent": {"config": {}}},
        stack,
        *steps,
        {
            "sequence": 99,
            "timestamp": 1787339890,
            "summaryEvent": {
                "maybeCorrupt": False,
                "durationSeconds": 10,
                "resourceChanges": {"create": 4},
                "PolicyPacks": {},
            },
        },
    ]


def write(tmp_path: Path, plan: Any, events: list[dict[str, Any]] | None) -> list[str]:
    plan_path = tmp_path / "update-plan.json"
    plan_path.write_text(json.dumps(plan, indent=4), encoding="utf-8")
    args = [str(plan_path)]
    if events is not None:
        events_path = tmp_path / "events.jsonl"
        events_path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
        args += ["--events", str(events_path)]
    return args


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = plan_check.main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


TABLE_CREATE = pre_event(
    2, "create", TABLE_URN, "aws:dynamodb/table:Table",
    new=state(TABLE_URN, "aws:dynamodb/table:Table"),
)  # fmt: skip


def test_a_plain_first_deploy_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(write(tmp_path, deployment_plan(), event_log(TABLE_CREATE)), capsys)
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "engine-plan-options: 0 refused (import, retainOnDelete, deletedWith) in the plan, the "
        "event log"
    ]


def test_an_import_in_the_plan_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imported = resource_plan(
        goal(
            "aws:sns/topic:Topic",
            "imported-topic",
            import_id="arn:aws:sns:us-east-1:333333333333:ops",
        ),
        ["import"],
    )
    plan = deployment_plan(**{TOPIC_URN: imported})
    status, out, _ = run(write(tmp_path, plan, event_log(TABLE_CREATE)), capsys)
    assert status == 1
    assert out.splitlines()[0] == (
        f"[mandatory] engine-plan-options  {TOPIC_URN}  Topic 'imported-topic' is imported (import "
        "id 'arn:aws:sns:us-east-1:333333333333:ops'; step import): " + plan_check.WHY_IMPORT
    )


@pytest.mark.parametrize("steps", [["same"], ["import-replacement"]])
def test_an_import_id_is_refused_whatever_the_step(
    steps: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once imported, the program's import option stays (the goal keeps its id) and the step is
    `same`; an import over an existing resource is an `import-replacement`."""
    imported = resource_plan(goal("aws:sns/topic:Topic", "imported-topic", import_id="x"), steps)
    status, out, _ = run(
        write(tmp_path, deployment_plan(**{TOPIC_URN: imported}), event_log()), capsys
    )
    assert status == 1
    assert "Topic 'imported-topic' is imported (import id 'x'" in out


def test_an_import_step_without_an_id_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imported = resource_plan(goal("aws:sns/topic:Topic", "imported-topic"), ["import"])
    status, out, _ = run(
        write(tmp_path, deployment_plan(**{TOPIC_URN: imported}), event_log()), capsys
    )
    assert status == 1
    assert "is imported (step import)" in out


def test_retain_on_delete_in_the_events_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plan cannot say retainOnDelete (GoalV1 has no such field); the step's new state can."""
    retained = pre_event(
        2, "same", TABLE_URN, "aws:dynamodb/table:Table",
        old=state(TABLE_URN, "aws:dynamodb/table:Table"),
        new=state(TABLE_URN, "aws:dynamodb/table:Table", retain=True),
    )  # fmt: skip
    status, out, _ = run(write(tmp_path, deployment_plan(), event_log(retained)), capsys)
    assert status == 1
    assert out.splitlines()[0] == (
        f"[mandatory] engine-plan-options  {TABLE_URN}  Table 'comments-prod-table' sets "
        f"retainOnDelete (step same): {plan_check.WHY_RETAIN}"
    )


@pytest.mark.parametrize("op", ["delete", "delete-replaced", "replace"])
def test_deleting_a_retained_resource_is_refused(
    op: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Set in an earlier deploy, retainOnDelete acts when the resource goes: AWS keeps it."""
    deleted = pre_event(
        2, op, TOPIC_URN, "aws:sns/topic:Topic",
        old=state(TOPIC_URN, "aws:sns/topic:Topic", retain=True),
        new=None,
    )  # fmt: skip
    status, out, _ = run(write(tmp_path, deployment_plan(), event_log(deleted)), capsys)
    assert status == 1
    assert f"has retainOnDelete in the stack's state and the step {op} deletes it" in out


def test_an_import_step_in_the_events_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imported = pre_event(
        2, "import", TOPIC_URN, "aws:sns/topic:Topic", new=state(TOPIC_URN, "aws:sns/topic:Topic")
    )
    status, out, _ = run(write(tmp_path, deployment_plan(), event_log(imported)), capsys)
    assert status == 1
    assert "Topic 'imported-topic' is imported (step import)" in out


def test_the_plan_alone_cannot_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(write(tmp_path, deployment_plan(), None), capsys)
    assert (status, out) == (2, "")
    assert "the plan does not record retainOnDelete" in err


@pytest.mark.parametrize(
    ("plan", "fragment"),
    [
        ([], "not an update plan"),
        # `pulumi preview --json`'s digest is not the plan
        ({"steps": [], "changeSummary": {}}, "not an update plan"),
        ({"manifest": {}, "resourcePlans": []}, "resourcePlans is not an object"),
        ({"manifest": {}, "resourcePlans": {TABLE_URN: {"steps": "create"}}}, "malformed"),
    ],
)
def test_what_is_not_a_plan_fails_closed(
    plan: Any, fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(write(tmp_path, plan, event_log()), capsys)
    assert status == 2
    assert fragment in err


def test_missing_or_broken_files_fail_closed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = write(tmp_path, deployment_plan(), event_log())
    status, _, err = run([str(tmp_path / "absent.json"), *args[1:]], capsys)
    assert status == 2 and "cannot be read" in err
    (tmp_path / "events.jsonl").write_text("{not json\n", encoding="utf-8")
    status, _, err = run(args, capsys)
    assert status == 2 and "line 1 is not JSON" in err
    # A log with no step at all is not a preview's (every preview has the stack's own step).
    (tmp_path / "events.jsonl").write_text(json.dumps(event_log()[0]) + "\n", encoding="utf-8")
    status, _, err = run(args, capsys)
    assert status == 2 and "no resource step" in err


def test_the_stack_option_reads_the_programs_registrations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Where no event log exists (the deploy's preview runs in pulumi/actions), --stack runs the
    program offline; the program as it is has none of these options."""
    args = write(tmp_path, deployment_plan(), None)
    status, out, err = run([*args, "--stack", "prod"], capsys)
    assert (status, err) == (0, ""), out
    assert out.splitlines()[-1] == (
        "engine-plan-options: 0 refused (import, retainOnDelete, deletedWith) in the plan, the "
        "program for prod"
    )


RETAIN_EDIT = (
    "                protect=settings.data_protection,\n",
    "                protect=settings.data_protection,\n                retain_on_delete=True,\n",
)


def _edit(repo_copy: Path, old: str, new: str) -> None:
    service = repo_copy / "infra" / "comments_infra" / "service.py"
    text = service.read_text(encoding="utf-8")
    assert text.count(old) == 1
    service.write_text(text.replace(old, new), encoding="utf-8")


def test_option_problems_of_the_program(repo_copy: Path) -> None:
    _edit(repo_copy, *RETAIN_EDIT)
    plan = run_stack("prod", stack_mocks("prod", repo_copy, None), root=repo_copy)
    problems = plan_check.option_problems(plan.analyzed())
    assert [(p.urn.rsplit("::", 1)[-1], p.message.split(":")[0]) for p in problems] == [
        ("comments-prod-table", "Table 'comments-prod-table' sets retainOnDelete")
    ]


def test_policy_check_reports_them_as_engine_plan_options(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(repo_copy, *RETAIN_EDIT)
    status = policy_check_main(["prod", "--root", str(repo_copy)])
    out = capsys.readouterr().out
    assert status == 1
    [line] = [line for line in out.splitlines() if " engine-plan-options " in line]
    assert line.startswith("[mandatory] engine-plan-options  urn:pulumi:prod::comments::")
    assert line.endswith(
        "engine-plan-options (checked outside the policy pack, which cannot see these options; "
        "tooling/plan_check.py checks the saved plan): Table 'comments-prod-table' sets "
        f"retainOnDelete: {plan_check.WHY_RETAIN}"
    )
    assert out.splitlines()[-1].endswith(": 1 mandatory, 0 advisory violation(s)")
