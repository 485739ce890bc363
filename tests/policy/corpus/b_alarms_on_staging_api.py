"""The API alarms' ApiName derived from prod's API name but naming staging's API."""

CLASS = "b"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        'api = {"ApiName": api_name, "Stage": stage_name}',
        'api = {\n            "ApiName": pulumi.Output.from_input(api_name).apply(lambda n: n.replace("-prod", "-staging")),\n            "Stage": stage_name,\n        }',
    ),
]
EXPECT = [
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-api-4xx-rate' dimensions.ApiName is 'comments-staging'",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-api-5xx-rate' dimensions.ApiName is 'comments-staging'",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-api-latency-p99' dimensions.ApiName is 'comments-staging'",
    ),
]
