"""The integration role ignores changes to its trust policy, so a trust widened in the console
(another account, another service) is never put back by a deploy, and the pack keeps reading the
reviewed trust from the state."""

CLASS = "c"
SERVICE = "infra/comments_infra/service.py"
EDITS = [
    (
        SERVICE,
        "            # by bootstrap/): a trust change creates a new role, which the preview shows.\n"
        "            opts=pulumi.ResourceOptions(parent=self, replace_on_changes=[TRUST_POLICY_PROPERTY]),",
        "            # by bootstrap/): a trust change creates a new role, which the preview shows.\n"
        "            opts=pulumi.ResourceOptions(\n"
        "                parent=self,\n"
        "                replace_on_changes=[TRUST_POLICY_PROPERTY],\n"
        '                ignore_changes=["assumeRolePolicy"],\n'
        "            ),",
    )
]
EXPECT = [("resource-options-reviewed", "ignores changes to 'assumeRolePolicy'")]
