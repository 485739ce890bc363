"""The comments service's Pulumi program, as an importable package."""
