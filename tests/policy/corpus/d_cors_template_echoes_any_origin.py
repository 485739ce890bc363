"""The CORS template answers any Origin with itself: any website can read and post across origins.
Found by a review; apigateway-cors-origin reads response parameters, not templates."""

CLASS = "d"
EDITS = [
    (
        "infra/comments_infra/templates/cors.vtl",
        "#if($corsAllowedOrigins.contains($corsOrigin))",
        '#if($corsOrigin != "")',
    )
]
EXPECT = [("apigateway-cors-origin", "cors")]
KNOWN_GAP = "templates are not pinned to reviewed content yet (the route contract is not built)"
