"""The smoke guard tests the author's name instead of the slug ("smoke tests sign as
/__smoke__/bot"): any visitor who types that name gets a TTL, and anyone can make their own
comment, or a copied one, disappear on schedule."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/templates/create_comment.request.vtl",
        "#set($isSmoke = $rawSlug.startsWith(",
        "#set($isSmoke = $rawAuthor.startsWith(",
    ),
]
EXPECT = [
    (
        "dynamodb-ttl-smoke-only",
        "decides the smoke guard on $rawAuthor, which is not set once from $input.path('$.slug')",
    ),
]
