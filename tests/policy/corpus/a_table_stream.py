"""A stream on the table "for analytics later": every change, comment text and authors included,
handed to whatever reads the stream, outside the API's validation and the stack's IAM rules."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/service.py",
        "deletion_protection_enabled=settings.data_protection,",
        'deletion_protection_enabled=settings.data_protection,\n            stream_enabled=True,\n            stream_view_type="NEW_AND_OLD_IMAGES",',
    ),
]
EXPECT = [
    ("resource-inputs-reviewed", "Table 'comments-prod-table' sets streamEnabled"),
    ("resource-inputs-reviewed", "Table 'comments-prod-table' sets streamViewType"),
]
