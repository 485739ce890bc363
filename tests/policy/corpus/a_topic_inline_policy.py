"""The alarm topic's access set inline on the Topic (`policy=`) instead of a TopicPolicy resource:
operations-topic-publishers reads TopicPolicy resources only, and this one lets anyone subscribe."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        "self.topic = aws.sns.Topic(topic_name, name=topic_name, tags=tags, opts=child)",
        'self.topic = aws.sns.Topic(\n            topic_name,\n            name=topic_name,\n            policy=\'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sns:*", "Resource": "*"}]}\',\n            tags=tags,\n            opts=child,\n        )',
    ),
]
EXPECT = [
    ("resource-inputs-reviewed", "Topic 'comments-prod-alarms' sets policy"),
]
