"""A provider declared by the program and named like an engine default (`default_7_0_0`, an
older plugin's name, so its URN is not the real default's), which the type allow-list lets
through by name. It has the stack's region and account, so nothing else looks wrong; it is the
program's, not the engine's (it has a parent), and it manages the alarm topic. (The engine
gives a root-level provider the URN the default would have: there only the provider's own
finding stands; offline the runner's URN also names the stack as parent, so the topic's too.)"""

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
        "                provider=aws.Provider(\n"
        '                    "default_7_0_0",\n'
        '                    region="us-east-1",\n'
        '                    allowed_account_ids=["333333333333"],\n'
        "                ),\n"
        "            ),\n"
        "        )",
    )
]
EXPECT = [
    (
        "providers-stack-config",
        "provider 'default_7_0_0' (pulumi:providers:aws) is an explicit provider, not the engine's",
    ),
    (
        "providers-stack-config",
        "Topic 'comments-prod-alarms' is managed by the explicit provider 'default_7_0_0'",
    ),
]
