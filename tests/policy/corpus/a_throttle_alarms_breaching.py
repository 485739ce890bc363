"""Throttle alarms with treat_missing_data="breaching": an idle table holds them in ALARM, and an
alarm that stays in ALARM never notifies again when real throttling starts."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        '# DynamoDB publishes throttle events only when something was throttled.\n                treat_missing_data="notBreaching",',
        '# DynamoDB publishes throttle events only when something was throttled.\n                treat_missing_data="breaching",',
    ),
]
EXPECT = [
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-read-throttles' treatMissingData is 'breaching'",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-write-throttles' treatMissingData is 'breaching'",
    ),
]
