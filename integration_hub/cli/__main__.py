"""`python -m integration_hub.cli ...`: the same as `integration-hub ...`."""
import sys

from integration_hub.cli.main import main

sys.exit(main())
