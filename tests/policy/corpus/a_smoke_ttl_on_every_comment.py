"""The create template sets expiresAt on every comment, not only smoke tests' ("so old comments
age out"): the guard stays in place for the value, so a reviewer skimming the diff sees it, but
the UpdateExpression writes the attribute whatever the slug."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/templates/create_comment.request.vtl",
        '"SET #author = :author, #comment = :comment#if($isSmoke), #expiresAt = :expiresAt#end',
        '"SET #author = :author, #comment = :comment, #expiresAt = :expiresAt',
    ),
]
EXPECT = [
    ("dynamodb-ttl-smoke-only", "writes the TTL attribute 'expiresAt' outside #if($isSmoke)"),
]
