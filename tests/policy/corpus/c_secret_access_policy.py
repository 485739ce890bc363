"""The integration role's policy is marked a secret output: the preview's diff, which reviewers
read, would show [secret] in place of the IAM document the change widens."""

CLASS = "c"
SERVICE = "infra/comments_infra/service.py"
EDITS = [
    (
        SERVICE,
        "                lambda arn: integration_access_policy(arn, settings.pre_moderation)\n"
        "            ),\n            opts=child,",
        "                lambda arn: integration_access_policy(arn, settings.pre_moderation)\n"
        "            ),\n"
        '            opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["policy"]),',
    )
]
EXPECT = [("resource-options-reviewed", "marks 'policy' secret (additionalSecretOutputs)")]
