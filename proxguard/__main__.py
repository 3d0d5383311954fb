"""`python -m proxguard` is the CLI."""

import sys

from proxguard.cli import main

sys.exit(main())
