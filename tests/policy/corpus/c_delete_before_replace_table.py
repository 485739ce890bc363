"""deleteBeforeReplace on the table "so a replacement can keep the same name": a replacement
would delete prod's comments before the new table exists."""

CLASS = "c"
SERVICE = "infra/comments_infra/service.py"
EDITS = [
    (
        SERVICE,
        "                protect=settings.data_protection,\n",
        "                protect=settings.data_protection,\n"
        "                delete_before_replace=True,\n",
    )
]
EXPECT = [("resource-options-reviewed", "Table 'comments-prod-table' sets deleteBeforeReplace")]
