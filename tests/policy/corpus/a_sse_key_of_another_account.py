"""The table encrypted with a customer key of another account ("the security team's key"): whoever
holds it can make the comments unreadable, or read them with the table's data."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/service.py",
        "TableServerSideEncryptionArgs(enabled=True)",
        'TableServerSideEncryptionArgs(\n                enabled=True,\n                kms_key_arn="arn:aws:kms:us-east-1:444444444444:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",\n            )',
    ),
]
EXPECT = [
    (
        "resource-inputs-reviewed",
        "Table 'comments-prod-table' serverSideEncryption.kmsKeyArn names a key of account 444444444444 in us-east-1",
    ),
]
