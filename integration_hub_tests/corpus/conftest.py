"""The pipeline fixtures of defs/: a generated company per test in an isolated hub environment."""
from integration_hub_tests.defs.conftest import company, company_template, instance  # noqa: F401
