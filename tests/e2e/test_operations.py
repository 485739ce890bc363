"""Operations in the local environment: the monitoring resources exist in moto, and a restore works.

moto's RestoreTableToPointInTime copies the source table as it is at the moment of the call and
ignores RestoreDateTime (moto 5.2). The runbook test therefore restores at the restore point
itself, then loses comments; the second test shows what moto does with a restore point in the
past, and that copy-back's createdAt filter keeps anything newer than the restore point out.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from comments_infra import monitoring
from tests.local_environment import isolated_env, run_emulator
from tooling.offline_runner import REPO_ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The local stack with data protection on, so the table has point-in-time recovery."""
    state = tmp_path_factory.mktemp("operations")
    env = isolated_env(state)
    deployed = run_emulator(env, "deploy", "--config", "comments:dataProtection=true")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    yield env
    run_emulator(env, "down")


def outputs(env: dict[str, str]) -> dict[str, str]:
    result = run_emulator(env, "outputs")
    assert result.returncode == 0, result.stderr
    data: dict[str, str] = json.loads(result.stdout)
    return data


def client(env: dict[str, str], service: str) -> Any:
    port = json.loads((Path(env["COMMENTS_LOCAL_DIR"]) / "moto.json").read_text())["port"]
    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def restore(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tooling.restore", "--local", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def pasted(env: dict[str, str], output: str) -> subprocess.CompletedProcess[str]:
    """The `next:` line of `output` run as printed (with this interpreter for `python`)."""
    (line,) = [line for line in output.splitlines() if line.startswith("next: ")]
    words = shlex.split(line.removeprefix("next: "))
    assert words[:3] == ["python", "-m", "tooling.restore"], line
    return subprocess.run(
        [sys.executable, *words[1:]],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def post(env: dict[str, str], slug: str, author: str) -> int:
    response = requests.post(
        outputs(env)["url"] + "/comments",
        json={"slug": slug, "author": author, "comment": f"by {author}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    created: int = response.json()["createdAt"]
    return created


def authors(env: dict[str, str], slug: str) -> list[str]:
    response = requests.get(outputs(env)["url"] + "/comments", params={"slug": slug}, timeout=10)
    assert response.status_code == 200, response.text
    return [item["author"] for item in response.json()["items"]]


def now_after(moment_ms: int) -> datetime:
    """The first clock reading later than `moment_ms`: a restore point after that comment."""
    while (now := datetime.now(tz=UTC)).timestamp() * 1000 <= moment_ms:
        time.sleep(0.001)
    return now


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def delete(env: dict[str, str], slug: str, created: int) -> None:
    client(env, "dynamodb").delete_item(
        TableName=outputs(env)["tableName"],
        Key={"slug": {"S": slug}, "createdAt": {"N": str(created)}},
    )


def restored_table(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.split(" into ", 1)[1].split("\n", 1)[0]


def scan(env: dict[str, str], table: str) -> list[tuple[str, str]]:
    items = client(env, "dynamodb").scan(TableName=table)["Items"]
    return sorted((i["slug"]["S"], i["author"]["S"]) for i in items)


def test_the_deploy_creates_alarms_topic_budget_dashboard_and_scaling(env: dict[str, str]) -> None:
    values = outputs(env)
    table, prefix = values["tableName"], "comments-local-"
    alarms = client(env, "cloudwatch").describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]
    by_name = {a["AlarmName"].removeprefix(prefix): a for a in alarms}
    assert set(by_name) == {spec.suffix for spec in monitoring.ALARMS}
    for alarm in alarms:
        assert alarm["AlarmActions"] == [values["alarmTopicArn"]], alarm["AlarmName"]
        assert alarm["OKActions"] == [values["alarmTopicArn"]], alarm["AlarmName"]
    server_errors = by_name["api-5xx-rate"]
    assert (server_errors["Namespace"], server_errors["MetricName"]) == (
        "AWS/ApiGateway",
        "5XXError",
    )
    assert sorted((d["Name"], d["Value"]) for d in server_errors["Dimensions"]) == [
        ("ApiName", "comments-local"),
        ("Stage", values["stageName"]),
    ]
    assert (server_errors["Threshold"], server_errors["TreatMissingData"]) == (0.01, "ignore")
    capacity = {m["Id"]: m for m in by_name["table-write-capacity"]["Metrics"]}
    consumed = capacity["consumed"]["MetricStat"]["Metric"]
    assert consumed["MetricName"] == "ConsumedWriteCapacityUnits"
    assert consumed["Dimensions"] == [{"Name": "TableName", "Value": table}]

    body = json.loads(
        client(env, "cloudwatch").get_dashboard(DashboardName=values["dashboardName"])[
            "DashboardBody"
        ]
    )
    assert len(body["widgets"]) == 7

    sns = client(env, "sns")
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=values["alarmTopicArn"])
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions["Subscriptions"]] == [
        ("email", "local-alarms@comments-demo.example")
    ]
    policy = json.loads(
        sns.get_topic_attributes(TopicArn=values["alarmTopicArn"])["Attributes"]["Policy"]
    )
    assert [s["Principal"]["Service"] for s in policy["Statement"]] == [
        "cloudwatch.amazonaws.com",
        "budgets.amazonaws.com",
    ]

    budget = client(env, "budgets").describe_budget(
        AccountId="123456789012", BudgetName="comments-local-monthly"
    )["Budget"]
    # The local stack's comments:monthlyBudgetUsd (environments/Pulumi.local.yaml).
    assert budget["BudgetLimit"] == {"Amount": "10.00", "Unit": "USD"}

    scaling = client(env, "application-autoscaling")
    targets = scaling.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"]
    assert sorted(
        (t["ScalableDimension"], t["ResourceId"], t["MinCapacity"], t["MaxCapacity"])
        for t in targets
    ) == [
        ("dynamodb:table:ReadCapacityUnits", f"table/{table}", 1, 5),
        ("dynamodb:table:WriteCapacityUnits", f"table/{table}", 1, 5),
    ]
    policies = scaling.describe_scaling_policies(ServiceNamespace="dynamodb")["ScalingPolicies"]
    assert sorted(
        p["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"][
            "PredefinedMetricType"
        ]
        for p in policies
    ) == ["DynamoDBReadCapacityUtilization", "DynamoDBWriteCapacityUtilization"]


def test_restore_runbook_brings_back_deleted_comments(env: dict[str, str]) -> None:
    """Comments A and B exist at the restore point; C comes later; A is deleted by mistake."""
    slug = "/e2e/restore/runbook"
    post(env, slug, "A")
    before = now_after(post(env, slug, "B"))
    restoring = restore(env, "point-in-time", "--to", iso(before))
    restored = restored_table(restoring)
    assert scan(env, restored) == [(slug, "A"), (slug, "B")]
    post(env, slug, "C")
    a_created = next(
        int(i["createdAt"]["N"])
        for i in client(env, "dynamodb").scan(TableName=restored)["Items"]
        if i["author"]["S"] == "A"
    )
    delete(env, slug, a_created)  # the incident
    assert authors(env, slug) == ["C", "B"]

    # The next steps as the tool prints them, pasted as they are: they stay on the local stack.
    listed = pasted(env, restoring.stdout)
    assert listed.returncode == 0, listed.stderr
    table = outputs(env)["tableName"]
    assert listed.stdout.splitlines()[:2] == [
        f"  would copy {slug} {a_created}",
        f"would copy 1 comment(s) into {table}; 1 already there; "
        "0 outside the restore window left alone (add --apply to write)",
    ]
    assert authors(env, slug) == ["C", "B"]  # a listing writes nothing

    applied = pasted(env, listed.stdout)
    assert applied.returncode == 0, applied.stderr
    assert (
        f"copied 1 comment(s) into {outputs(env)['tableName']}; 1 already there" in applied.stdout
    )
    assert authors(env, slug) == ["C", "B", "A"]
    again = restore(env, "copy-back", "--from", restored, "--until", iso(before), "--apply")
    assert "copied 0 comment(s)" in again.stdout and "2 already there" in again.stdout


def test_copy_back_leaves_out_what_is_newer_than_the_restore_point(env: dict[str, str]) -> None:
    slug = "/e2e/restore/window"
    post(env, slug, "A")
    point = now_after(post(env, slug, "B"))
    now_after(int(point.timestamp() * 1000))  # C is stamped in a later millisecond than the point
    c_created = post(env, slug, "C")
    assert c_created > point.timestamp() * 1000
    restored = restored_table(restore(env, "point-in-time", "--to", iso(point)))
    # moto copies the table as it is now (AWS would hold only A and B, as of the restore point).
    assert [a for s, a in scan(env, restored) if s == slug] == ["A", "B", "C"]
    for author in ("A", "C"):  # A lost by mistake; C removed on purpose after the restore point
        item = next(
            i
            for i in client(env, "dynamodb").scan(TableName=restored)["Items"]
            if i["slug"]["S"] == slug and i["author"]["S"] == author
        )
        delete(env, slug, int(item["createdAt"]["N"]))
    applied = restore(env, "copy-back", "--from", restored, "--until", iso(point), "--apply")
    assert applied.returncode == 0, applied.stderr
    assert "copied 1 comment(s)" in applied.stdout
    assert "1 outside the restore window left alone" in applied.stdout
    assert authors(env, slug) == ["B", "A"]


def test_restore_needs_point_in_time_recovery(env: dict[str, str]) -> None:
    dynamodb = client(env, "dynamodb")
    dynamodb.create_table(
        TableName="comments-local-unprotected",
        KeySchema=[{"AttributeName": "slug", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "slug", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    )
    result = restore(
        env,
        "point-in-time",
        "--table",
        "comments-local-unprotected",
        "--to",
        iso(datetime.now(tz=UTC)),
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: table comments-local-unprotected has point-in-time recovery off, so there is "
        "nothing to restore from (comments:dataProtection turns it on)"
    )
    early = restore(env, "point-in-time", "--to", "2020-01-01T00:00:00Z")
    assert early.returncode == 2
    assert early.stderr.startswith("error: 2020-01-01T00:00:00.000Z is before the earliest")
