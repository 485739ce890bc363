"""The table alarms' TableName derived from prod's table but naming staging's: the alarms exist and
come from the table, and watch another stack."""

CLASS = "b"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        'lambda t: {"TableName": t}',
        'lambda t: {"TableName": t.replace("-prod-", "-staging-")}',
    ),
]
EXPECT = [
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-read-capacity' metricQueries[0].metric.dimensions.TableName is 'comments-staging-table-ee653ba'",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-read-capacity' metricQueries[1].metric.dimensions.TableName is 'comments-staging-table-ee653ba'",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-read-throttles' dimensions.TableName is 'comments-staging-table-ee653ba'",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-write-capacity' metricQueries[0].metric.dimensions.TableName is 'comments-staging-table-ee653ba'",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-write-capacity' metricQueries[1].metric.dimensions.TableName is 'comments-staging-table-ee653ba'",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-write-throttles' dimensions.TableName is 'comments-staging-table-ee653ba'",
    ),
]
