"""The on-call subscription moved to another account's topic of the same name: the value is computed
from the stack's topic ARN, and the stack's own topic is left with nobody to tell (which the
advisory alarm-subscribers rule reports, without blocking)."""

CLASS = "b"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        "topic=self.topic_arn,",
        'topic=self.topic_arn.apply(lambda arn: arn.replace(arn.split(":")[4], "444444444444")),',
    ),
]
EXPECT = [
    (
        "resource-inputs-reviewed",
        "TopicSubscription 'comments-prod-alarms-0' topic is 'arn:aws:sns:us-east-1:444444444444:comments-prod-alarms'",
    ),
]
