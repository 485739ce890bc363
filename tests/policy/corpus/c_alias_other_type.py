"""The alarm topic takes over the state of a resource of another type by alias: not a rename,
the engine would hand that resource's id to the topic's provider."""

CLASS = "c"
MONITORING = "infra/comments_infra/monitoring.py"
EDITS = [
    (
        MONITORING,
        "        self.topic = aws.sns.Topic(topic_name, name=topic_name, tags=tags, opts=child)",
        "        self.topic = aws.sns.Topic(\n"
        "            topic_name,\n"
        "            name=topic_name,\n"
        "            tags=tags,\n"
        "            opts=pulumi.ResourceOptions(\n"
        "                parent=parent,\n"
        "                aliases=[\n"
        '                    "urn:pulumi:prod::comments::aws:sqs/queue:Queue::legacy-alarms"\n'
        "                ],\n"
        "            ),\n"
        "        )",
    )
]
EXPECT = [("resource-options-reviewed", "of type aws:sqs/queue:Queue; an alias may only rename")]
