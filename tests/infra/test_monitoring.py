"""Alarms, topic, budget, dashboard and auto scaling the program plans, per stack."""

from __future__ import annotations

import json
from typing import Any

import pytest

from comments_infra import monitoring
from comments_infra.operations import parse_operations
from comments_infra.settings import ConfigError, parse_settings
from tests.infra.conftest import STACKS, plan_for
from tests.infra.test_config import VALID
from tooling.offline_runner import REPO_ROOT, Plan, run_stack

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
BUDGET = "aws:budgets/budget:Budget"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
ACCOUNT, REGION = "123456789012", "us-east-1"


def alarms(plan: Plan) -> dict[str, dict[str, Any]]:
    prefix = f"comments-{plan.stack}-"
    return {a.inputs["name"].removeprefix(prefix): a.inputs for a in plan.of_type(ALARM)}


def table_name(plan: Plan) -> str:
    name: str = plan.one("aws:dynamodb/table:Table").state["name"]
    return name


def topic_arn(stack: str) -> str:
    return f"arn:aws:sns:{REGION}:{ACCOUNT}:comments-{stack}-alarms"


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_has_the_seven_alarms_on_its_own_api_and_table(stack: str) -> None:
    plan = plan_for(stack)
    found = alarms(plan)
    assert set(found) == {spec.suffix for spec in monitoring.ALARMS}
    api = {"ApiName": f"comments-{stack}", "Stage": "v1"}
    table = {"TableName": table_name(plan)}
    for suffix, (metric, dimensions) in {
        "api-5xx-rate": ("5XXError", api),
        "api-4xx-rate": ("4XXError", api),
        "api-latency-p99": ("Latency", api),
        "table-read-throttles": ("ReadThrottleEvents", table),
        "table-write-throttles": ("WriteThrottleEvents", table),
    }.items():
        alarm = found[suffix]
        assert alarm["metricName"] == metric, suffix
        assert alarm["dimensions"] == dimensions, suffix
        assert alarm["namespace"] == (
            "AWS/ApiGateway" if suffix.startswith("api") else "AWS/DynamoDB"
        )
    for suffix, kind in (("table-read-capacity", "Read"), ("table-write-capacity", "Write")):
        queries = {q["id"]: q for q in found[suffix]["metricQueries"]}
        assert queries["consumed"]["metric"]["metricName"] == f"Consumed{kind}CapacityUnits"
        assert queries["consumed"]["metric"]["stat"] == "Sum"
        assert queries["provisioned"]["metric"]["metricName"] == f"Provisioned{kind}CapacityUnits"
        for query in ("consumed", "provisioned"):
            assert queries[query]["metric"]["dimensions"] == table, suffix
        assert queries["utilization"]["expression"] == (
            "100 * (consumed / PERIOD(consumed)) / provisioned"
        )
        assert [q["id"] for q in found[suffix]["metricQueries"] if q.get("returnData")] == [
            "utilization"
        ]
    for suffix, alarm in found.items():
        assert alarm["alarmActions"] == [topic_arn(stack)], suffix
        assert alarm["okActions"] == [topic_arn(stack)], suffix
        assert alarm["alarmDescription"].endswith("section 'Alarms and what to do'"), suffix


@pytest.mark.parametrize("stack", STACKS)
def test_default_thresholds_statistics_and_missing_data(stack: str) -> None:
    found = alarms(plan_for(stack))
    expected = {
        # suffix: (statistic, threshold, comparison, datapoints to alarm, treat missing data)
        "api-5xx-rate": ("Average", 0.01, "GreaterThanThreshold", 3, "ignore"),
        "api-4xx-rate": ("Average", 0.25, "GreaterThanThreshold", 3, "notBreaching"),
        "api-latency-p99": ("p99", 1000, "GreaterThanThreshold", 3, "notBreaching"),
        "table-read-throttles": ("Sum", 1, "GreaterThanOrEqualToThreshold", 1, "notBreaching"),
        "table-write-throttles": ("Sum", 1, "GreaterThanOrEqualToThreshold", 1, "notBreaching"),
        "table-read-capacity": (None, 80, "GreaterThanThreshold", 3, "notBreaching"),
        "table-write-capacity": (None, 80, "GreaterThanThreshold", 3, "notBreaching"),
    }
    for suffix, (stat, threshold, comparison, datapoints, missing) in expected.items():
        alarm = found[suffix]
        assert alarm.get("statistic", alarm.get("extendedStatistic")) == stat, suffix
        assert alarm["threshold"] == threshold, suffix
        assert alarm["comparisonOperator"] == comparison, suffix
        assert alarm["evaluationPeriods"] == 3, suffix
        assert alarm["datapointsToAlarm"] == datapoints, suffix
        assert alarm["treatMissingData"] == missing, suffix
        assert alarm.get("period", 300) == 300, suffix


def test_thresholds_and_periods_follow_config() -> None:
    plan = run_stack(
        "dev",
        config_overrides={
            "comments:alarmServerErrorPercent": 5,
            "comments:alarmClientErrorPercent": 50,
            "comments:alarmLatencyP99Ms": 2500,
            "comments:alarmCapacityPercent": 90,
            "comments:alarmPeriodSeconds": 60,
            "comments:alarmEvaluationPeriods": 5,
        },
    )
    found = alarms(plan)
    assert found["api-5xx-rate"]["threshold"] == 0.05
    assert found["api-4xx-rate"]["threshold"] == 0.5
    assert found["api-latency-p99"]["threshold"] == 2500
    assert found["table-read-capacity"]["threshold"] == 90
    assert found["api-5xx-rate"]["period"] == 60
    assert found["table-write-capacity"]["metricQueries"][0]["metric"]["period"] == 60
    assert {a["evaluationPeriods"] for a in found.values()} == {5}


def test_topic_accepts_only_this_accounts_alarms_and_budgets() -> None:
    plan = plan_for("prod")
    topic = plan.one(TOPIC)
    assert topic.inputs["name"] == "comments-prod-alarms", topic.urn
    policy = plan.one(TOPIC_POLICY)
    assert policy.inputs["arn"] == topic_arn("prod"), policy.urn
    document = json.loads(policy.inputs["policy"])
    assert [
        (s["Principal"], s["Action"], s["Resource"], s["Condition"])
        for s in document["Statement"]
    ] == [
        (
            {"Service": "cloudwatch.amazonaws.com"},
            "sns:Publish",
            topic_arn("prod"),
            {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:comments-prod-*"},
            },
        ),
        (
            {"Service": "budgets.amazonaws.com"},
            "sns:Publish",
            topic_arn("prod"),
            {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnLike": {"aws:SourceArn": f"arn:aws:budgets::{ACCOUNT}:*"},
            },
        ),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("stack", "endpoints"),
    [
        ("local", [("email", "local-alarms@comments-demo.example")]),
        ("dev", []),
        ("staging", []),
        ("prod", [("email", "oncall@comments-demo.example")]),
    ],
)
def test_subscriptions_come_from_config(stack: str, endpoints: list[tuple[str, str]]) -> None:
    subscriptions = plan_for(stack).of_type(SUBSCRIPTION)
    assert [(s.inputs["protocol"], s.inputs["endpoint"]) for s in subscriptions] == endpoints
    assert {s.inputs["topic"] for s in subscriptions} <= {topic_arn(stack)}


def test_a_webhook_subscription_confirms_itself() -> None:
    plan = run_stack(
        "dev",
        config_overrides={
            "comments:alarmSubscriptions": ["https://events.example.com/hook", "a@b.example"]
        },
    )
    found = {s.inputs["protocol"]: s.inputs for s in plan.of_type(SUBSCRIPTION)}
    assert found["https"]["endpointAutoConfirms"] is True
    assert found["email"]["endpointAutoConfirms"] is False


@pytest.mark.parametrize("stack", STACKS)
def test_budget_is_the_policy_configs_budget_and_notifies_the_topic(stack: str) -> None:
    policy_config = json.loads((REPO_ROOT / "policy" / "config" / f"{stack}.json").read_text())
    budget_usd = policy_config["dynamodb-monthly-cost-budget"]["monthlyBudgetUsd"]
    budget = plan_for(stack).one(BUDGET)
    assert float(budget.inputs["limitAmount"]) == budget_usd, budget.urn
    assert budget.inputs["limitUnit"] == "USD"
    assert budget.inputs["timeUnit"] == "MONTHLY"
    assert budget.inputs["costFilters"] == [
        {"name": "TagKeyValue", "values": [f"user:stack${stack}"]}
    ]
    assert sorted(
        (n["notificationType"], n["threshold"], n["subscriberSnsTopicArns"][0])
        for n in budget.inputs["notifications"]
    ) == [("ACTUAL", 100, topic_arn(stack)), ("FORECASTED", 100, topic_arn(stack))]


def test_no_budget_when_none_is_configured() -> None:
    plan = run_stack("dev", config_overrides={"comments:monthlyBudgetUsd": 0})
    assert plan.of_type(BUDGET) == []


@pytest.mark.parametrize("stack", STACKS)
def test_dashboard_shows_the_stacks_api_table_and_alarms(stack: str) -> None:
    plan = plan_for(stack)
    dashboard = plan.one(DASHBOARD)
    assert dashboard.inputs["dashboardName"] == f"comments-{stack}"
    body = json.loads(dashboard.inputs["dashboardBody"])
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert titles == [
        "Alarms",
        "Requests",
        "Errors (4xx, 5xx)",
        "Latency (ms)",
        "Throttled requests",
        "Read capacity: consumed vs provisioned",
        "Write capacity: consumed vs provisioned",
    ]
    alarm_widget = body["widgets"][0]["properties"]["alarms"]
    assert sorted(alarm_widget) == sorted(
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{a.inputs['name']}"
        for a in plan.of_type(ALARM)
    )
    metrics = {
        tuple(m[:2]): m[2:-1] if isinstance(m[-1], dict) else m[2:]
        for w in body["widgets"][1:]
        for m in w["properties"]["metrics"]
        if isinstance(m[0], str)
    }
    api = ["ApiName", f"comments-{stack}", "Stage", "v1"]
    table = ["TableName", table_name(plan)]
    for metric in ("Count", "4XXError", "5XXError", "Latency", "IntegrationLatency"):
        assert metrics[("AWS/ApiGateway", metric)] == api, metric
    for kind in ("Read", "Write"):
        for metric in (f"{kind}ThrottleEvents", f"Consumed{kind}CapacityUnits"):
            assert metrics[("AWS/DynamoDB", metric)] == table, metric
        assert metrics[("AWS/DynamoDB", f"Provisioned{kind}CapacityUnits")] == table


@pytest.mark.parametrize(
    ("stack", "bounds"),
    [
        ("local", {"Read": (1, 5), "Write": (1, 5)}),
        ("dev", {}),
        ("staging", {}),
        ("prod", {"Read": (2, 10), "Write": (1, 5)}),
    ],
)
def test_auto_scaling_only_where_configured(stack: str, bounds: dict[str, tuple[int, int]]) -> None:
    plan = plan_for(stack)
    targets = {
        t.inputs["scalableDimension"].split(":")[-1].removesuffix("CapacityUnits"): t
        for t in plan.of_type(SCALING_TARGET)
    }
    assert set(targets) == set(bounds)
    for kind, (low, high) in bounds.items():
        target = targets[kind]
        assert target.inputs["serviceNamespace"] == "dynamodb", target.urn
        assert target.inputs["resourceId"] == f"table/{table_name(plan)}", target.urn
        assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (low, high)
        assert low == plan.one("aws:dynamodb/table:Table").inputs[f"{kind.lower()}Capacity"]
    policies = plan.of_type(SCALING_POLICY)
    assert len(policies) == len(bounds)
    for policy in policies:
        configuration = policy.inputs["targetTrackingScalingPolicyConfiguration"]
        kind = policy.inputs["scalableDimension"].split(":")[-1].removesuffix("CapacityUnits")
        assert policy.inputs["policyType"] == "TargetTrackingScaling"
        assert configuration["targetValue"] == 70
        assert configuration["predefinedMetricSpecification"] == {
            "predefinedMetricType": f"DynamoDB{kind}CapacityUtilization"
        }
        assert policy.inputs["resourceId"] == targets[kind].inputs["resourceId"]


# -- config validation ---------------------------------------------------------------------------

OPERATIONS_VALID = {
    "alarmSubscriptions": "[]",
    "alarmPeriodSeconds": "300",
    "alarmEvaluationPeriods": "3",
    "alarmServerErrorPercent": "1",
    "alarmClientErrorPercent": "25",
    "alarmLatencyP99Ms": "1000",
    "alarmCapacityPercent": "80",
    "monthlyBudgetUsd": "0",
    "autoscalingMaxReadCapacity": "0",
    "autoscalingMaxWriteCapacity": "0",
    "autoscalingTargetPercent": "70",
}


def parse_ops(**changes: str) -> None:
    values = {**VALID, **OPERATIONS_VALID, **changes}
    parse_operations(values.get, parse_settings(values.get))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "alarmSubscriptions",
            '["pager"]',
            "comments:alarmSubscriptions: 'pager' is neither an e-mail address nor an https:// URL",
        ),
        (
            "alarmSubscriptions",
            '["http://hooks.example.com/x"]',
            "comments:alarmSubscriptions: 'http://hooks.example.com/x' is neither",
        ),
        (
            "alarmSubscriptions",
            '["a@b.example", "a@b.example"]',
            "comments:alarmSubscriptions: endpoints must not repeat",
        ),
        (
            "alarmPeriodSeconds",
            "120",
            "comments:alarmPeriodSeconds='120': allowed values are 60, 300, 900, 3600",
        ),
        (
            "alarmEvaluationPeriods",
            "30",
            "comments:alarmEvaluationPeriods=30: with comments:alarmPeriodSeconds=3600 the alarms "
            "would look back 108000 s; CloudWatch allows at most 86400",
        ),
        (
            "alarmServerErrorPercent",
            "0",
            "comments:alarmServerErrorPercent='0': allowed values are whole numbers 1..100",
        ),
        (
            "alarmLatencyP99Ms",
            "30000",
            "comments:alarmLatencyP99Ms='30000': allowed values are whole numbers 50..29000",
        ),
        (
            "autoscalingMaxReadCapacity",
            "1",
            "comments:autoscalingMaxReadCapacity=1: must be above comments:tableReadCapacity (1)",
        ),
        (
            "autoscalingTargetPercent",
            "95",
            "comments:autoscalingTargetPercent='95': allowed values are whole numbers 20..90",
        ),
        (
            "monthlyBudgetUsd",
            "-1",
            "comments:monthlyBudgetUsd='-1': allowed values are whole numbers 0..1000000",
        ),
    ],
)
def test_each_bad_operations_value_is_named(key: str, value: str, message: str) -> None:
    changes = {key: value}
    if key == "alarmEvaluationPeriods":
        changes["alarmPeriodSeconds"] = "3600"
    with pytest.raises(ConfigError) as raised:
        parse_ops(**changes)
    assert str(raised.value).startswith(message)


def test_valid_operations_settings_parse() -> None:
    parse_ops(
        alarmSubscriptions='["ops@example.com", "https://hooks.example.com/alarms?k=1"]',
        autoscalingMaxReadCapacity="4",
    )


@pytest.mark.parametrize(
    ("stack", "ignored"),
    [("prod", ["readCapacity", "writeCapacity"]), ("dev", [])],
)
def test_a_deploy_leaves_scaled_capacity_to_auto_scaling(stack: str, ignored: list[str]) -> None:
    """With auto scaling on, the table's capacity is not reset to the configured floor."""
    seen = {
        table.name: table.options.ignore_changes
        for table in run_stack(stack).of_type("aws:dynamodb/table:Table")
    }
    assert seen == {f"comments-{stack}-table": ignored}
