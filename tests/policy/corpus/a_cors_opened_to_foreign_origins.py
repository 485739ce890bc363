"""prod's CORS opened to a domain the site does not own and to localhost, over plain http. Found
by a review; apigateway-cors-origin refuses only '*', not origins outside an allow-list."""

CLASS = "a"
CONFIG = {
    "comments:corsAllowedOrigins": [
        "https://comments-demo.example",
        "http://comments-demo.example.preview-cdn.net",
        "http://localhost:8080",
    ]
}
EXPECT = [("apigateway-cors-origin", "http://localhost:8080")]
KNOWN_GAP = "the policy config holds no allow-list of origins per stack yet"
