"""The moderation CLI: list a page's comments and delete one through the API's signed route."""
