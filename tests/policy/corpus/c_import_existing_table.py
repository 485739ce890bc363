"""The table is imported from an existing one ("keep last year's comments"): it arrives with
whatever it holds, and the pack cannot see import at all (not in the analyzer protocol)."""

CLASS = "c"
SERVICE = "infra/comments_infra/service.py"
EDITS = [
    (
        SERVICE,
        "                protect=settings.data_protection,\n",
        "                protect=settings.data_protection,\n"
        '                import_="comments-prod-table-2024",\n',
    )
]
EXPECT = [("engine-plan-options", "Table 'comments-prod-table' is imported")]
