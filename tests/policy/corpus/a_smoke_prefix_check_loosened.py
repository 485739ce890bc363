"""The smoke prefix '/' with the program's own check loosened in the same change ("the prefix
only needs to be a path"): every comment would get the smoke TTL and DynamoDB would delete it.
The pack reads the prefix where it lands, the POST /comments request template."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/settings.py",
        '_SLUG_PREFIX = re.compile(r"^/__smoke__/[A-Za-z0-9/_.-]{0,53}$")',
        '_SLUG_PREFIX = re.compile(r"^/[A-Za-z0-9/_.-]{0,63}$")',
    ),
]
CONFIG = {"comments:smokeSlugPrefix": "/"}
EXPECT = [
    (
        "dynamodb-ttl-smoke-only",
        "gives the TTL attribute 'expiresAt' to every comment whose slug starts with '/' "
        "(comments:smokeSlugPrefix)",
    ),
]
