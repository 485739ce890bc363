"""The budget's notifications sent to the same-named topic of another ("central ops") account: the
ARN is computed from the stack's own topic ARN and still ends in the topic's name, so only its
account shows it is someone else's topic."""

CLASS = "b"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        "subscriber_sns_topic_arns=notify,",
        'subscriber_sns_topic_arns=[self.topic_arn.apply(lambda arn: arn.replace(arn.split(":")[4], "444444444444"))],',
    ),
]
EXPECT = [
    (
        "resource-inputs-reviewed",
        "Budget 'comments-prod-monthly-budget' notifications[0].subscriberSnsTopicArns[0] is 'arn:aws:sns:us-east-1:444444444444:comments-prod-alarms'",
    ),
    (
        "resource-inputs-reviewed",
        "Budget 'comments-prod-monthly-budget' notifications[1].subscriberSnsTopicArns[0] is 'arn:aws:sns:us-east-1:444444444444:comments-prod-alarms'",
    ),
]
