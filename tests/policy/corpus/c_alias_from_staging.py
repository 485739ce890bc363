"""The prod table claims staging's table by alias ("same code, same table"): an alias naming
another stack cannot be a rename of a prod resource."""

CLASS = "c"
SERVICE = "infra/comments_infra/service.py"
EDITS = [
    (
        SERVICE,
        "                protect=settings.data_protection,\n",
        "                protect=settings.data_protection,\n"
        "                aliases=[\n"
        '                    "urn:pulumi:staging::comments::comments:service:CommentsService"\n'
        '                    "$aws:dynamodb/table:Table::comments-staging-table"\n'
        "                ],\n",
    )
]
EXPECT = [("resource-options-reviewed", "in stack 'staging' of project 'comments'")]
