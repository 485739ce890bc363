"""The comments pipeline's one-time AWS account setup (see bootstrap/README.md)."""
