"""A schema migration "needs" the table replaced: the policy config disables prod's data
protection rule and the stack turns PITR, deletion protection and Pulumi protect off."""

from __future__ import annotations

CLASS = "f"
EXPECT = [
    ("dynamodb-data-protection", "Table 'comments-prod-table' has point-in-time recovery off"),
    ("dynamodb-data-protection", "Table 'comments-prod-table' has deletion protection off"),
    (
        "dynamodb-data-protection",
        "Table 'comments-prod-table' is not protected in Pulumi (protect=True)",
    ),
]
EDITS = [
    (
        "policy/config/prod.json",
        '"dynamodb-data-protection": "mandatory",',
        '"dynamodb-data-protection": "disabled",',
    )
]
CONFIG = {"comments:dataProtection": False}
