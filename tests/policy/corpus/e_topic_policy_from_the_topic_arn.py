"""A second policy document for the alarm topic, built from the topic's `arn` output (unknown on a
first deploy) and open to every principal: anyone could publish to, subscribe to or rewrite the
topic. At preview the document is unknown, and the rule that reads topic policies refuses it."""

from __future__ import annotations

import json
from typing import Any

import pulumi_aws as aws

CLASS = "e"
EXPECT = [
    (
        "operations-topic-publishers",
        "TopicPolicy 'comments-prod-alarms-open' statement 0 lets '*' in",
    ),
    (
        "operations-topic-publishers",
        "TopicPolicy 'comments-prod-alarms-open' statement 0 allows ['sns:*']",
    ),
    (
        "operations-topic-publishers",
        "TopicPolicy 'comments-prod-alarms-open' statement 0 has no StringEquals aws:SourceAccount",
    ),
]
EXPECT_PREVIEW = [
    (
        "operations-topic-publishers",
        "TopicPolicy 'comments-prod-alarms-open' policy is unknown at preview, so this rule cannot check it",
    ),
    (
        "resource-inputs-reviewed",
        "TopicPolicy 'comments-prod-alarms-open' policy is not known until apply",
    ),
]


def apply(service: Any) -> None:
    topic = service.monitoring.topic
    aws.sns.TopicPolicy(
        "comments-prod-alarms-open",
        arn=service.monitoring.topic_arn,
        policy=topic.arn.apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": "*", "Action": "sns:*", "Resource": arn}
                    ],
                }
            )
        ),
    )
