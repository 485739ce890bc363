"""The alarm topic's policy as text with its first statement's Effect written twice ("Deny",
then "Allow"): a reader that keeps the first sees a harmless Deny, one that keeps the last an
Allow; the pack refuses a document with two meanings."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        """                        "ArnLike": {"aws:SourceArn": f"arn:aws:budgets::{account_id}:*"},
                    },
                },
            ],
        }
    )""",
        """                        "ArnLike": {"aws:SourceArn": f"arn:aws:budgets::{account_id}:*"},
                    },
                },
            ],
        }
    ).replace('"Effect": "Allow"', '"Effect": "Deny", "Effect": "Allow"', 1)""",
    ),
]
EXPECT = [("operations-topic-publishers", "policy repeats the key 'Effect'")]
