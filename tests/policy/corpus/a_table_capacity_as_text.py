"""Write capacity given as text ("40000", as a value read from an environment variable would
be): the provider reads it as 40000, a pack that only counts numbers would read none."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/service.py",
        "write_capacity=settings.write_capacity,",
        'write_capacity="40000",',
    ),
]
EXPECT = [
    ("dynamodb-provisioned-capacity", "writeCapacity is 40000, above this stack's cap of 5"),
    ("dynamodb-monthly-cost-budget", "the stack costs $"),
]
