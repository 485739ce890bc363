"""OK notifications of every alarm sent to the topic's name in another region: the value is computed
from the stack's topic ARN and the name still matches it."""

CLASS = "b"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        "ok_actions=notify,\n",
        'ok_actions=[self.topic_arn.apply(lambda arn: arn.replace(":us-east-1:", ":us-west-2:"))],\n',
    ),
]
EXPECT = [
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-api-4xx-rate' okActions[0] is 'arn:aws:sns:us-west-2:333333333333:comments-prod-alarms'",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-api-5xx-rate' okActions[0] is 'arn:aws:sns:us-west-2:333333333333:comments-prod-alarms'",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-api-latency-p99' okActions[0] is 'arn:aws:sns:us-west-2:333333333333:comments-prod-alarms'",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-read-capacity' okActions[0] is 'arn:aws:sns:us-west-2:333333333333:comments-prod-alarms'",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-read-throttles' okActions[0] is 'arn:aws:sns:us-west-2:333333333333:comments-prod-alarms'",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-write-capacity' okActions[0] is 'arn:aws:sns:us-west-2:333333333333:comments-prod-alarms'",
    ),
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-write-throttles' okActions[0] is 'arn:aws:sns:us-west-2:333333333333:comments-prod-alarms'",
    ),
]
