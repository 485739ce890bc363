"""`actions_enabled=False` on every alarm "during the migration": the alarms still exist, so
operations-alarms-required passes, and they tell nobody."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        "ok_actions=notify,\n",
        "ok_actions=notify,\n                actions_enabled=False,\n",
    ),
]
EXPECT = [
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-api-4xx-rate' actionsEnabled is False",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-api-5xx-rate' actionsEnabled is False",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-api-latency-p99' actionsEnabled is False",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-read-capacity' actionsEnabled is False",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-read-throttles' actionsEnabled is False",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-write-capacity' actionsEnabled is False",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-write-throttles' actionsEnabled is False",
    ),
]
