"""The topic policy applied to another account's topic of the same name: the stack's own topic gets
no policy, so the alarms cannot publish, and the policy opens someone else's topic."""

CLASS = "b"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        "arn=self.topic_arn,",
        'arn=self.topic_arn.apply(lambda arn: arn.replace(arn.split(":")[4], "444444444444")),',
    ),
]
EXPECT = [
    (
        "operations-topic-publishers",
        "TopicPolicy 'comments-prod-alarms-publishers' is on 'arn:aws:sns:us-east-1:444444444444:comments-prod-alarms', which is not a topic of this stack",
    ),
    (
        "resource-inputs-reviewed",
        "TopicPolicy 'comments-prod-alarms-publishers' arn is 'arn:aws:sns:us-east-1:444444444444:comments-prod-alarms'",
    ),
]
