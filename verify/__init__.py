"""The proof kit: read-only checks of what only the real AWS account and GitHub repository show.

`python -m verify --stack <stack> --github-repo owner/name` (or `make verify ENV=<stack>`) reads
the deployed roles, policies, stack resources and repository settings back and compares them with
what this repository builds; see docs/proof-kit.md.
"""
