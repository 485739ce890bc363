"""The table gets a provider of its own that assumes a role in another account ("the data team's
account holds the tables"): an explicit provider, its assumeRoles, and the table it manages."""

CLASS = "c"
SERVICE = "infra/comments_infra/service.py"
EDITS = [
    (
        SERVICE,
        "                protect=settings.data_protection,\n",
        "                protect=settings.data_protection,\n"
        "                provider=aws.Provider(\n"
        '                    f"{name}-data-account",\n'
        '                    region="us-east-1",\n'
        '                    allowed_account_ids=["333333333333"],\n'
        "                    assume_roles=[\n"
        "                        aws.ProviderAssumeRoleArgs(\n"
        '                            role_arn="arn:aws:iam::444444444444:role/tables"\n'
        "                        )\n"
        "                    ],\n"
        "                ),\n",
    )
]
EXPECT = [
    ("allowed-resource-types", "'comments-prod-data-account' is of type pulumi:providers:aws"),
    (
        "providers-stack-config",
        "provider 'comments-prod-data-account' (pulumi:providers:aws) is an",
    ),
    ("providers-stack-config", "sets assumeRoles (assumes another role, possibly in another"),
    (
        "providers-stack-config",
        "Table 'comments-prod-table' is managed by the explicit provider 'comments-prod-data-acc",
    ),
]
