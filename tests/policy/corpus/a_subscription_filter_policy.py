"""A filter policy on the alarm subscription "to cut the noise": CloudWatch's alarm messages carry no
such attribute, so the on-call address never gets an alarm again."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        'endpoint_auto_confirms=subscription.protocol == "https",',
        'endpoint_auto_confirms=subscription.protocol == "https",\n                filter_policy=\'{"severity": ["critical"]}\',',
    ),
]
EXPECT = [
    ("resource-inputs-reviewed", "TopicSubscription 'comments-prod-alarms-0' sets filterPolicy"),
]
