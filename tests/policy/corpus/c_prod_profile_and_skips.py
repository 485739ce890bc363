"""A named profile and the emulator's skip flags in prod's stack file ("the deploy was slow on
STS"): credentials from wherever the profile points, and no STS call to say whose they are."""

CLASS = "c"
CONFIG = {
    "aws:profile": "admin",
    "aws:skipCredentialsValidation": True,
    "aws:skipRequestingAccountId": True,
}
EXPECT = [
    ("providers-stack-config", "sets profile (takes credentials from a named profile"),
    ("providers-stack-config", "sets skipCredentialsValidation (an emulator's setting"),
    ("providers-stack-config", "sets skipRequestingAccountId (an emulator's setting"),
]
