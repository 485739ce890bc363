"""Entry point: python -m verify --stack <stack> --github-repo owner/name."""

import sys

from verify.cli import main

if __name__ == "__main__":
    sys.exit(main())
