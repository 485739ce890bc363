"""`unit="Seconds"` on the latency alarm: API Gateway publishes Latency in milliseconds, so the alarm
matches no datapoint and never fires."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        'metric_name="Latency",',
        'metric_name="Latency",\n                unit="Seconds",',
    ),
]
EXPECT = [
    ("resource-inputs-reviewed", "MetricAlarm 'comments-prod-api-latency-p99' sets unit"),
]
