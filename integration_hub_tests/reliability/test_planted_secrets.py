"""Issue 9, point 4: secrets planted everywhere a source can carry them, then searched for everywhere.

Planted: SSNs in a Stripe customer's name, a billing customer's street and a bank statement's
remittance text; IBANs in a customer description and statement lines, the statements' own
accounts (IBANs and a BAI account number), labelled bank account numbers in a billing PO
number and statement lines; credentials in data (a live Stripe key, a bearer token); the API
keys and ERP secrets in the environment (Stripe, billing, NetSuite, Acumatica, the inline
encryption key); tokens in vendor error bodies (the hub's own key echoed, a session token,
an access token, a bearer token, a token in a URL).

Searched, in every encoding of leakscan.py: every file under the data folder, the Dagster
instance (an on-disk one: run and event-log SQLite, compute logs) and the key folder, with
Parquet decoded and every table of every SQLite database dumped; every text column of every
table of the PostgreSQL hub store and ledger (when a server is reachable); every Python log
record at DEBUG, stdout and stderr, the events of the run and the exceptions it raised.
Source files the run read are inputs, outside the data folder, and are not searched.
"""
from __future__ import annotations

import base64
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from dagster._serdes import serialize_value

from integration_hub.connectors.fakes import billing_fake, stripe_fake
from integration_hub.connectors.fakes.billing_fake import BillingFake
from integration_hub.connectors.fakes.server import Fault
from integration_hub.connectors.fakes.stripe_fake import StripeFake
from integration_hub_tests.defs.conftest import run_phase
from integration_hub_tests.reliability.leakscan import Scan, found_secrets, needles

REPO = Path(__file__).resolve().parents[2]
SCALE, SEED = 30, 7          # small: five full runs stay within the test's time budget

# Fixed data secrets (valid shapes: SSA-issuable SSNs, mod-97-valid IBANs), none of them in the generated company.
SSN_IN_NAME = "287-41-6093"
SSN_IN_STREET = "412735580"            # bare, after a label
SSN_IN_REMITTANCE = "618-20-7391"
SSN_IN_CRM = "523 71 9046"
ACCOUNT_IN_PO = "7301946285"
ACCOUNT_IN_STATEMENT = "58120937461"
ACCOUNT_IN_BAI = "9034417725"


def iban(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def printed(value: str) -> str:
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4))


PAYER_IBAN = iban("DE", "370400440532099871")
MT940_IBAN = iban("GB", "WEST12345698765432")


class Planted:
    """This test's secrets: fixed data values plus fresh credentials."""

    def __init__(self) -> None:
        self.stripe_key = f"sk_test_{secrets.token_hex(16)}"
        self.billing_key = f"billing-{secrets.token_urlsafe(18)}"
        self.live_key_in_data = f"sk_live_{secrets.token_hex(14)}"
        self.bearer_in_data = f"{secrets.token_hex(10)}.{secrets.token_urlsafe(16)}"
        self.netsuite = {"NETSUITE_ACCOUNT_ID": "1234567_SB1", "NETSUITE_CONSUMER_KEY": secrets.token_hex(20),
                         "NETSUITE_CONSUMER_SECRET": secrets.token_hex(20), "NETSUITE_TOKEN_ID": secrets.token_hex(20),
                         "NETSUITE_TOKEN_SECRET": secrets.token_hex(20)}
        self.acumatica_password = f"Pw/{secrets.token_urlsafe(12)}+="
        self.key_material = secrets.token_bytes(32)
        self.session_token = secrets.token_hex(18)
        self.access_token = secrets.token_urlsafe(24)
        self.error_bearer = secrets.token_urlsafe(24)
        self.url_token = secrets.token_hex(16)

    def environment(self) -> dict[str, str]:
        return {"STRIPE_API_KEY": self.stripe_key, "BILLING_API_KEY": self.billing_key, **self.netsuite,
                "ACUMATICA_USERNAME": "hub-integration", "ACUMATICA_PASSWORD": self.acumatica_password,
                "IH_ENCRYPTION_KEYS": f"kplanted:{base64.b64encode(self.key_material).decode()}"}

    def data_secrets(self) -> dict[str, str]:
        return {"ssn in a name": SSN_IN_NAME, "ssn in a street": SSN_IN_STREET, "ssn in crm": SSN_IN_CRM,
                "ssn in remittance": SSN_IN_REMITTANCE, "payer iban": printed(PAYER_IBAN),
                "payer iban compact": PAYER_IBAN, "mt940 iban": MT940_IBAN, "mt940 iban printed": printed(MT940_IBAN),
                "account in po": ACCOUNT_IN_PO, "account in statement": ACCOUNT_IN_STATEMENT,
                "account in bai": ACCOUNT_IN_BAI, "live key in data": self.live_key_in_data,
                "bearer token in data": self.bearer_in_data}

    def env_secrets(self) -> dict[str, str | bytes]:
        out: dict[str, str | bytes] = {"STRIPE_API_KEY": self.stripe_key, "BILLING_API_KEY": self.billing_key,
                                       "ACUMATICA_PASSWORD": self.acumatica_password,
                                       "IH_ENCRYPTION_KEYS key": base64.b64encode(self.key_material).decode(),
                                       "encryption key bytes": self.key_material}
        out.update({k: v for k, v in self.netsuite.items() if k != "NETSUITE_ACCOUNT_ID"})
        return out

    def error_secrets(self) -> dict[str, str]:
        return {"session token in error": self.session_token, "access token in error": self.access_token,
                "bearer token in error": self.error_bearer, "url token in error": self.url_token}


def statement_accounts(sources: Path) -> dict[str, str]:
    """The statements' own accounts (camt and MT940 IBANs, the BAI account), as-is and printed in groups of four."""
    files = json.loads((sources / "truth" / "expected.json").read_text())["files"]
    own = {f"statement account {name}": info["account"] for name, info in files.items() if "account" in info}
    own.update({f"{k} printed": printed(v) for k, v in own.items() if v[:2].isalpha()})
    return own


@pytest.fixture(scope="module")
def company_template(tmp_path_factory):
    from integration_hub.demo import generate_company

    out = tmp_path_factory.mktemp("planted_company") / "sample"
    generate_company(out, scale=SCALE, seed=SEED)
    return out


# -- planting -------------------------------------------------------------------------------------------------

def _api_objects(convert, resource: str, frame: pd.DataFrame) -> list[tuple[int, dict]]:
    """(row position, API object) for each row clean enough to be an API object."""
    out = []
    for position in range(len(frame)):
        try:
            out += [(position, o) for o in convert(resource, frame.iloc[[position]])]
        except ValueError:
            continue
    return out


def stripe_objects(sources: Path, planted: Planted) -> dict[str, list[dict]]:
    objects = {}
    for resource in ("customers", "charges", "refunds"):
        frame = pd.read_csv(sources / "stripe" / f"{resource}.csv", dtype=str, keep_default_na=False)
        objects[resource] = [o for _, o in _api_objects(stripe_fake.objects_from_export, resource, frame)]
    customers = sorted(objects["customers"], key=lambda o: (o["created"], o["id"]), reverse=True)
    customers[0]["name"] = f"Orchard Lane Bakery SSN {SSN_IN_NAME}"
    customers[1]["description"] = (f"refunds go to IBAN {printed(PAYER_IBAN)}; integration key "
                                   f"{planted.live_key_in_data}")
    charge = next(c for c in sorted(objects["charges"], key=lambda o: o["created"], reverse=True)
                  if c.get("description"))
    charge["description"] = f"retry with Authorization: Bearer {planted.bearer_in_data}"
    return objects


def billing_objects(sources: Path) -> dict[str, list[dict]]:
    objects = {}
    for resource in ("customers", "invoices", "credit_notes"):
        frame = pd.read_csv(sources / "billing" / f"{resource}.csv", dtype=str, keep_default_na=False)
        if resource == "customers":
            frame.loc[0, "billing_street"] = f"8044 1st Street ssn#{SSN_IN_STREET}"
        if resource == "invoices":
            frame.loc[0, "po_number"] = f"PO 4576 ACCT {ACCOUNT_IN_PO}"
        objects[resource] = [o for _, o in _api_objects(billing_fake.objects_from_export, resource, frame)]
    assert objects["customers"][0]["billing_address"]["line1"].endswith(SSN_IN_STREET)
    assert objects["invoices"][0]["po_number"].endswith(ACCOUNT_IN_PO)
    return objects


def plant_in_statements(sources: Path) -> None:
    camt = sources / "bank" / "eur_account.xml"
    text = camt.read_text()
    assert "<Ustrd>BILL-2025-0001</Ustrd>" in text
    camt.write_text(text.replace("<Ustrd>BILL-2025-0001</Ustrd>",
                                 f"<Ustrd>BILL-2025-0001 SSN {SSN_IN_REMITTANCE} from IBAN {printed(PAYER_IBAN)} "
                                 f"KTO {ACCOUNT_IN_STATEMENT}</Ustrd>", 1))
    mt940 = sources / "bank" / "gbp_account.sta"
    text, n = re.subn(r"(?m)^(:86:.*BILL-2025-0001) VENDOR PAYMENT$", rf"\1 IBAN {MT940_IBAN}", mt940.read_text(),
                      count=1)
    assert n == 1
    mt940.write_text(text)
    bai = sources / "bank" / "operating_usd.bai"
    text = bai.read_text()
    assert "PAYMENT TO " in text
    bai.write_text(text.replace("PAYMENT TO ", f"PAYMENT TO ACCT {ACCOUNT_IN_BAI} ", 1))


def plant_in_crm(sources: Path) -> None:
    path = sources / "crm" / "accounts.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, "BillingStreet"] = f"{frame.loc[0, 'BillingStreet']} (owner SSN {SSN_IN_CRM})"
    frame.to_csv(path, index=False)


def planted_company(company_template: Path, target: Path) -> Path:
    shutil.copytree(company_template, target)
    plant_in_statements(target)
    plant_in_crm(target)
    # The control: the scanner does find what was planted in the files the run reads.
    in_files = {"ssn in remittance": SSN_IN_REMITTANCE, "payer iban": printed(PAYER_IBAN), "mt940 iban": MT940_IBAN,
                "account in statement": ACCOUNT_IN_STATEMENT, "account in bai": ACCOUNT_IN_BAI,
                "ssn in crm": SSN_IN_CRM,
                **{k: v for k, v in statement_accounts(target).items() if not k.endswith("printed")}}
    assert found_secrets(target, in_files) == set(in_files)
    return target


def stripe_error_fault(planted: Planted, times: int) -> Fault:
    """A vendor error whose body echoes the key it was sent and carries tokens of its own."""
    return Fault(401, times=times, payload={"error": {
        "type": "invalid_request_error", "code": "api_key_expired",
        "message": (f"Expired API Key provided: {planted.stripe_key}. session_token={planted.session_token}; "
                    f"retry with Authorization: Bearer {planted.error_bearer} or see "
                    f"https://dashboard.stripe.com/logs?token={planted.url_token}"),
        "access_token": planted.access_token}})


def billing_error_fault(planted: Planted, times: int) -> Fault:
    return Fault(401, times=times, payload={
        "message": (f"api key {planted.billing_key} rejected (session_token={planted.session_token}, "
                    f"x-auth-token: {planted.access_token})"),
        "type": "invalid_request", "api_error_code": "api_authentication_failed", "http_status_code": 401})


# -- capture --------------------------------------------------------------------------------------------------

class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def python_logs():
    """Every log record of this process at DEBUG (root and dagster loggers), formatted with tracebacks."""
    handler = Collect()
    root, dagster_logger = logging.getLogger(), logging.getLogger("dagster")
    levels = root.level, dagster_logger.level
    root.addHandler(handler)
    dagster_logger.addHandler(handler)
    root.setLevel(logging.DEBUG)
    expectations = logging.getLogger("great_expectations")      # its DEBUG lines are reprs of its own classes
    expectations_level = expectations.level
    expectations.setLevel(logging.INFO)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        dagster_logger.removeHandler(handler)
        root.setLevel(levels[0])
        expectations.setLevel(expectations_level)


@pytest.fixture
def planted(hub_env, monkeypatch):
    secrets_ = Planted()
    for name, value in secrets_.environment().items():
        monkeypatch.setenv(name, value)
    return secrets_


def scan_run(title: str, planted: Planted, roots: list[Path], *, logs=(), streams=(), events=(), exceptions=(),
             postgres=(), extra: dict | None = None) -> Scan:
    wanted = {**planted.data_secrets(), **planted.env_secrets(), **planted.error_secrets(), **(extra or {})}
    scan = Scan(needles(wanted))
    for root in roots:
        if root.exists():
            scan.tree(root)
    for url in postgres:
        scan.postgres(url)
    for line in logs:
        scan.count("log lines")
        scan.text("python log", line)
    for name, text in streams:
        scan.count("stdout/stderr lines", text.count("\n"))
        scan.text(name, text)
    for event in events:
        scan.count("run events")
        scan.text("run event", serialize_value(event))
    for text in exceptions:
        scan.count("exceptions")
        scan.text("exception", text)
    print(scan.report(title, wanted))
    return scan


def flags_of(hub_url: str) -> set[tuple[str, str, str, str]]:
    flags = pd.read_sql("SELECT system, entity, column_name, flag FROM record_flags", hub_url)
    return {tuple(f) for f in flags.to_numpy()}


PLANTED_FLAGS = {("stripe", "customers", "name", "ssn_masked"),
                 ("stripe", "customers", "description", "account_number_masked"),
                 ("stripe", "customers", "description", "secret_masked"),
                 ("stripe", "charges", "description", "secret_masked"),
                 ("billing", "customers", "billing_street", "ssn_masked"),
                 ("billing", "invoices", "po_number", "account_number_masked"),
                 ("bank", "transactions", "description", "ssn_masked"),
                 ("bank", "transactions", "description", "account_number_masked")}


# -- the runs -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_a_full_cash_run_writes_no_planted_secret_anywhere(store, company_template, hub_env, planted, tmp_path,
                                                           monkeypatch, python_logs, capfd, request):
    started = time.perf_counter()
    postgres = []
    if store == "postgresql":
        new_pg_database = request.getfixturevalue("new_pg_database")   # skips when no server is reachable
        hub_url, erp_url = new_pg_database(), new_pg_database()
        monkeypatch.setenv("IH_HUB_DB_URL", hub_url)
        monkeypatch.setenv("IH_ERP_URL", erp_url)
        postgres = [hub_url, erp_url]
    sources = planted_company(company_template, tmp_path / "sources")
    monkeypatch.setenv("IH_SOURCE_DIR", str(sources))
    home = tmp_path / "dagster_home"
    home.mkdir()
    with StripeFake(stripe_objects(sources, planted), api_key=planted.stripe_key) as stripe, \
            BillingFake(billing_objects(sources), api_key=planted.billing_key) as billing, \
            dg.DagsterInstance.from_config(str(home)) as instance:
        monkeypatch.setenv("STRIPE_API_BASE", stripe.base_url)
        monkeypatch.setenv("BILLING_API_URL", billing.base_url)
        result = run_phase(instance)
        assert result.success
        assert {r.path for r in stripe.requests} >= {"/v1/customers", "/v1/charges", "/v1/refunds"}
        assert {r.path for r in billing.requests} >= {"/api/v2/customers", "/api/v2/invoices"}
        events = result.all_events
        if store == "sqlite":                       # the CRM goes live in the next phase
            crm = run_phase(instance, job="customers_phase")
            assert crm.success
            events = [*events, *crm.all_events]
    hub = postgres[0] if postgres else f"sqlite:///{hub_env / 'hub.db'}"
    crm_flag = {("crm", "accounts", "BillingStreet", "ssn_masked")} if store == "sqlite" else set()
    expected_flags = PLANTED_FLAGS | crm_flag
    assert expected_flags <= flags_of(hub)        # every planted value did reach the run, and was masked there
    out, err = capfd.readouterr()
    scan = scan_run(f"cash phase in-process, hub store on {store}", planted, [hub_env, home, tmp_path / "keys"],
                    logs=python_logs, streams=[("stdout", out), ("stderr", err)], events=events, postgres=postgres,
                    extra=statement_accounts(sources))
    print(f"took {time.perf_counter() - started:.1f} s")
    assert scan.counts["files"] >= 20 and scan.counts["log lines"] > 0
    assert not store == "postgresql" or scan.counts["postgres rows"] > 1000
    assert scan.hits == []


def test_a_run_failing_on_vendor_errors_writes_no_token_of_their_bodies(company_template, hub_env, planted,
                                                                         tmp_path, monkeypatch, python_logs, capfd):
    started = time.perf_counter()
    sources = planted_company(company_template, tmp_path / "sources")
    monkeypatch.setenv("IH_SOURCE_DIR", str(sources))
    home = tmp_path / "dagster_home"
    home.mkdir()
    with StripeFake(stripe_objects(sources, planted), api_key=planted.stripe_key,
                    faults=[stripe_error_fault(planted, times=10)]) as stripe, \
            BillingFake(billing_objects(sources), api_key=planted.billing_key,
                        faults=[billing_error_fault(planted, times=10)]) as billing, \
            dg.DagsterInstance.from_config(str(home)) as instance:
        monkeypatch.setenv("STRIPE_API_BASE", stripe.base_url)
        monkeypatch.setenv("BILLING_API_URL", billing.base_url)
        result = run_phase(instance)
        events = result.all_events
    assert not result.success
    failures = [e for e in events if e.event_type_value == "STEP_FAILURE"]
    assert {e.step_key.split("__")[0] for e in failures} >= {"stripe", "billing"}
    messages = [e.step_failure_data.error.to_string() for e in failures]
    assert any("api_key_expired" in m for m in messages) and any("api_authentication_failed" in m for m in messages)
    calls = pd.read_sql("SELECT status, response_body FROM api_calls", f"sqlite:///{hub_env / 'hub.db'}")
    assert (calls["status"] == 401).sum() >= 4 and calls["response_body"].str.contains("REDACTED").all()
    out, err = capfd.readouterr()
    scan = scan_run("cash phase failing on Stripe and billing errors", planted, [hub_env, home, tmp_path / "keys"],
                    logs=python_logs, streams=[("stdout", out), ("stderr", err)], events=events, exceptions=messages)
    print(f"took {time.perf_counter() - started:.1f} s")
    assert scan.hits == []


CLI = ("import logging, sys; logging.basicConfig(level=logging.DEBUG); "
       "logging.getLogger('great_expectations').setLevel(logging.INFO); "
       "from integration_hub.cli import main; sys.exit(main(sys.argv[1:]))")


INSPECT = ("import json, logging, sys; logging.basicConfig(level=logging.DEBUG); "
           "from integration_hub.cli import main\n"
           "for args in json.loads(sys.argv[1]):\n"
           "    print('$ integration-hub', *args, flush=True); print('exit', main(args), flush=True)")
# What an operator looks at after a run: every command that prints stored records.
INSPECTIONS = [["quarantine", "--limit", "500"], ["audit", "verify"], ["audit", "log"], ["keys", "status"]]


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """`integration-hub ARGS` in a fresh process, its Python logging at DEBUG on stderr."""
    return subprocess.run([sys.executable, "-c", CLI, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=1200)  # generous: CI machines are shared


def run_inspections(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """Each of INSPECTIONS, in one fresh process (imports paid once)."""
    return subprocess.run([sys.executable, "-c", INSPECT, json.dumps(INSPECTIONS)], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=1200)


@pytest.mark.parametrize("outcome", ["succeeds", "fails"])
def test_the_demo_cli_writes_no_planted_secret_anywhere(outcome, company_template, hub_env, planted, tmp_path):
    started = time.perf_counter()
    sources = planted_company(company_template, tmp_path / "sources")    # an input: outside the data folder
    manifest = json.loads((sources / "manifest.json").read_text())
    faults = {"stripe": [stripe_error_fault(planted, times=10)],
              "billing": [billing_error_fault(planted, times=10)]} if outcome == "fails" else {}
    with StripeFake(stripe_objects(sources, planted), api_key=planted.stripe_key,
                    faults=faults.get("stripe", ())) as stripe, \
            BillingFake(billing_objects(sources), api_key=planted.billing_key,
                        faults=faults.get("billing", ())) as billing:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "PYTEST_"))}
        env.update(IH_SOURCE_DIR=str(sources), STRIPE_API_BASE=stripe.base_url, BILLING_API_URL=billing.base_url,
                   PYTHONPATH=str(REPO))
        run = run_cli(["demo", "--phase", "cash", "--scale", str(manifest["scale"]), "--seed", str(manifest["seed"])], env,
                      cwd=tmp_path)
        assert stripe.requests and billing.requests
    assert run.returncode == (0 if outcome == "succeeds" else 1), run.stderr[-3000:]
    assert "Generated a company" not in run.stdout          # it ran on the planted company, not a fresh one
    if outcome == "succeeds":
        assert PLANTED_FLAGS <= flags_of(f"sqlite:///{hub_env / 'hub.db'}")
    inspected = run_inspections(env, cwd=tmp_path)
    assert inspected.stdout.count("$ integration-hub") == len(INSPECTIONS), inspected.stderr[-3000:]
    scan = scan_run(f"integration-hub demo ({outcome})", planted, [hub_env, tmp_path / "keys"],
                    streams=[("demo stdout", run.stdout), ("demo stderr", run.stderr),
                             ("inspection stdout", inspected.stdout), ("inspection stderr", inspected.stderr)],
                    extra=statement_accounts(sources) if outcome == "succeeds" else None)
    print(f"took {time.perf_counter() - started:.1f} s")
    assert (hub_env / "dagster").is_dir() and scan.counts["files"] >= 10
    assert run.stderr.count("\n") > 10                      # DEBUG logging did reach stderr
    assert scan.hits == []


def test_the_scanner_finds_every_encoding_and_ignores_digests_and_ciphertext():
    import hashlib
    from urllib.parse import quote

    token, account = secrets.token_hex(18), "7301946285"
    scan = Scan(needles({"token": token, "iban": printed(PAYER_IBAN), "account": account}))
    scan.text("whole hex token", f"session_token={token}")
    scan.text("url-encoded", f"?q={quote(printed(PAYER_IBAN))}")
    scan.text("compact", f"iban {PAYER_IBAN.lower()}")
    scan.text("base64", "blob " + base64.b64encode(f"{account}:x".encode()).decode())
    scan.text("json", json.dumps({"note": f"acct\n{account}"}))
    scan.text("digest", hashlib.sha256(b"x").hexdigest()[:20] + account + "ab" * 10)
    scan.text("ciphertext", f"enc:v1:k20250101-3fa9c2:QUJD{account}xyz+/A==")
    found = {h.where for h in scan.hits}
    print(scan.report("scanner self-test", ["token", "iban", "account"]))
    assert found == {"whole hex token", "url-encoded", "compact", "base64", "json"}
    assert {h.where for h in scan.ignored} == {"digest", "ciphertext"}


def test_an_erp_refusing_records_with_its_credentials_in_the_error_body_leaks_none(
        company_template, hub_env, planted, tmp_path, monkeypatch, python_logs, capfd):
    """NetSuite as the ERP target; its USER_ERROR detail echoes the token id and secret it was signed with, a
    session token and the consumer key. Rejected records are quarantined with NetSuite's detail."""
    from integration_hub.connectors.fakes.netsuite_fake import NetSuiteFake
    from integration_hub.erp.netsuite import credentials_from_env

    started = time.perf_counter()
    sources = planted_company(company_template, tmp_path / "sources")
    monkeypatch.setenv("IH_SOURCE_DIR", str(sources))
    monkeypatch.delenv("STRIPE_API_KEY")      # Stripe and billing from their export files: the ERP is the vendor here
    ns = planted.netsuite
    refused = []

    def refuse_with_credentials(record: str, body: dict) -> str | None:
        if record != "customer" or len(refused) >= 3:
            return None
        refused.append(body.get("externalId"))
        return (f"Invalid login attempt for token {ns['NETSUITE_TOKEN_ID']} (consumer {ns['NETSUITE_CONSUMER_KEY']}, "
                f"token_secret={ns['NETSUITE_TOKEN_SECRET']}, session_token={planted.session_token})")

    home = tmp_path / "dagster_home"
    home.mkdir()
    with NetSuiteFake(credentials_from_env(), reject=refuse_with_credentials) as fake, \
            dg.DagsterInstance.from_config(str(home)) as instance:
        monkeypatch.setenv("IH_ERP_TARGET", "netsuite")
        monkeypatch.setenv("IH_ERP_URL", fake.base_url)
        result = run_phase(instance)
        events = result.all_events
        assert any(r.method == "PUT" for r in fake.requests)
    assert len(refused) == 3
    quarantined = pd.read_sql("SELECT rule FROM quarantine WHERE stage = 'loaded'", f"sqlite:///{hub_env / 'hub.db'}")
    refusals = quarantined[quarantined["rule"].str.contains("Invalid login attempt")]["rule"]
    assert len(refusals) == 3 and refusals.str.contains(r"token \[REDACTED\] \(consumer \[REDACTED\], "
                                                        r"token_secret=\[REDACTED\]").all()
    failures = [e.step_failure_data.error.to_string() for e in events if e.event_type_value == "STEP_FAILURE"]
    out, err = capfd.readouterr()
    scan = scan_run("cash phase into NetSuite, refusing records with its credentials in the body", planted,
                    [hub_env, home, tmp_path / "keys"], logs=python_logs, streams=[("stdout", out), ("stderr", err)],
                    events=events, exceptions=failures)
    print(f"took {time.perf_counter() - started:.1f} s")
    assert scan.hits == []
