"""`python -m parallax.cli`: the `parallax` command."""
import sys

from parallax.cli.main import main

sys.exit(main())
