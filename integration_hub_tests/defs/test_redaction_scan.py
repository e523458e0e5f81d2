"""Issues 4 and 16, point 4: run the cash phase with known secrets, then search everything the run wrote for them.

Stripe is served live by the local fake with a known API key; the bank files carry known
account numbers (the company's own and the payers' quoted in wire descriptions); one charge
description carries a card number. SSNs sit in a customer's address line, a bank statement
description and a charge that is quarantined; a live Stripe key sits in a customer's
description. Every file under the data folder (ledger.db, hub.db, every Parquet stage), the Dagster instance
(an on-disk one, as in production) and the key folder is searched: Parquet decoded, SQLite
databases dumped, everything else as bytes. The export files the run read are inputs, kept
outside the data folder, and not searched.
"""
import json
import re
import secrets
import shutil
import sqlite3
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq

from integration_hub.connectors.fakes.stripe_fake import StripeFake, objects_from_export
from integration_hub.defs.metadata import guarded
from integration_hub.security.protect import SECRET_FLAG, SSN_FLAG
from integration_hub.security.redact import register_secret
from integration_hub_tests.defs.conftest import metadata, run_phase

CARD = "4111111111111111"
SSN_IN_ADDRESS = "536-90-4718"
SSN_IN_BANK_TEXT = "611 27 3054"
SSN_IN_QUARANTINE = "472819365"          # bare digits, after a label
QUARANTINED_STATUS = "reversed"          # not an allowed charge status: the charge is quarantined when cleaned


def newest_first(objects) -> list[dict]:
    return sorted(objects, key=lambda o: (o["created"], o["id"]), reverse=True)


def stripe_objects(sources: Path, live_key: str) -> dict[str, list[dict]]:
    """The generated Stripe exports as API objects (rows too messy to be API objects left out), carrying
    a card number, two SSNs and a live key in free text."""
    objects = {}
    for resource in ("customers", "charges", "refunds"):
        frame = pd.read_csv(sources / "stripe" / f"{resource}.csv", dtype=str, keep_default_na=False)
        objects[resource] = []
        for position in range(len(frame)):
            try:
                objects[resource] += objects_from_export(resource, frame.iloc[[position]])
            except ValueError:
                continue
    # The API lists newest first, so the newest records are in each asset's preview in Dagster's storage.
    described = newest_first(c for c in objects["charges"] if c.get("description"))
    described[0]["description"] = f"paid with {CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]}"
    described[1].update(description=f"refund to SSN {SSN_IN_QUARANTINE}", status=QUARANTINED_STATUS)
    customer = newest_first(objects["customers"])[0]
    customer["address"] = {**(customer.get("address") or {}), "line1": f"12 Main St, SSN {SSN_IN_ADDRESS}"}
    customer["description"] = f"integration key {live_key}"
    return objects


def quote_ssn_in_a_statement(sources: Path) -> None:
    path = sources / "bank" / "operating_usd.bai"
    text = path.read_text()
    assert "PAYMENT TO " in text
    path.write_text(text.replace("PAYMENT TO ", f"PAYMENT TO REF {SSN_IN_BANK_TEXT} ", 1))


def known_accounts(sources: Path) -> set[str]:
    expected = json.loads((sources / "truth" / "expected.json").read_text())["files"]
    own = {info["account"] for info in expected.values() if "account" in info}
    quoted = set(re.findall(r"ACCT (\d{6,})", (sources / "bank" / "operating_usd.bai").read_text()))
    quoted = {n for n in quoted if len(set(n)) > 2}     # "000000000" also spells a zero timestamp fraction
    assert own and quoted, "the generated company should carry account numbers"
    return own | quoted


def readable_forms(path: Path) -> list[bytes]:
    """The file's bytes, plus its decoded content when it is a Parquet file or a SQLite database."""
    raw = path.read_bytes()
    forms = [raw]
    if raw[:4] == b"PAR1":
        forms.append(pq.read_table(path).to_pandas().astype(str).to_csv().encode())
    elif raw[:16] == b"SQLite format 3\x00":
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            forms.append("\n".join(conn.iterdump()).encode())
    return forms


def leaks(roots: list[Path], needles: set[str], at_least: int = 20) -> list[tuple[str, str]]:
    found, scanned = [], 0
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            scanned += 1
            for form in readable_forms(path):
                found += [(str(path), n) for n in needles if n.encode() in form]
    assert scanned >= at_least, f"only {scanned} files written: the scan would prove nothing"
    return sorted(set(found))


def test_no_secret_account_number_or_ssn_reaches_any_file_the_run_wrote(company_template, hub_env, tmp_path,
                                                                        monkeypatch):
    sources = tmp_path / "sources"
    shutil.copytree(company_template, sources)
    quote_ssn_in_a_statement(sources)
    monkeypatch.setenv("IH_SOURCE_DIR", str(sources))
    api_key = f"sk_test_{secrets.token_hex(12)}"
    live_key = f"sk_live_{secrets.token_hex(12)}"     # in data, never registered: only its shape gives it away
    accounts = known_accounts(sources)
    home = tmp_path / "dagster_home"
    home.mkdir()
    with StripeFake(stripe_objects(sources, live_key), api_key=api_key) as fake, \
            dg.DagsterInstance.from_config(str(home)) as instance:
        monkeypatch.setenv("STRIPE_API_KEY", api_key)
        monkeypatch.setenv("STRIPE_API_BASE", fake.base_url)
        result = run_phase(instance)
        assert result.success
        assert {r.path for r in fake.requests} >= {"/v1/customers", "/v1/charges", "/v1/refunds"}
    shown = metadata(result, "stripe__customers__extracted")["preview"]
    assert "integration key [REDACTED]" in shown and "SSN [SSN]" in shown      # the preview did show those rows
    hub = f"sqlite:///{hub_env / 'hub.db'}"
    calls = pd.read_sql("SELECT * FROM api_calls", hub)
    assert len(calls) >= 3 and (calls["run_id"] == result.run_id).all() and calls["response_body"].notna().all()
    origins = pd.read_sql("SELECT DISTINCT origin FROM lineage WHERE source_system = 'stripe'", hub)["origin"]
    assert set(origins) == {f"{fake.base_url}/v1/{r}" for r in ("customers", "charges", "refunds")}
    flags = pd.read_sql("SELECT entity, column_name, flag FROM record_flags", hub)
    assert {tuple(f) for f in flags[flags["flag"].isin([SSN_FLAG, SECRET_FLAG])].to_numpy()} == {
        ("customers", "address_line1", SSN_FLAG), ("customers", "description", SECRET_FLAG),
        ("charges", "description", SSN_FLAG), ("transactions", "description", SSN_FLAG)}
    quarantined = pd.read_sql(f"SELECT record FROM quarantine WHERE value = '{QUARANTINED_STATUS}'", hub)
    assert len(quarantined) == 1 and "refund to SSN [SSN]" in quarantined["record"].iloc[0]   # the row, not its SSN

    ssns = {SSN_IN_ADDRESS, SSN_IN_BANK_TEXT, SSN_IN_QUARANTINE} | {
        n.replace("-", "").replace(" ", "") for n in (SSN_IN_ADDRESS, SSN_IN_BANK_TEXT)}
    found = leaks([hub_env, home, tmp_path / "keys"],
                  {api_key, live_key, CARD, f"{CARD[:4]} {CARD[4:8]}", *accounts, *ssns})
    assert found == []


def test_an_exception_carrying_a_secret_reaches_dagster_storage_redacted(tmp_path):
    api_key = f"sk_live_{secrets.token_hex(12)}"
    register_secret(api_key)

    @dg.asset
    @guarded
    def leaky(context):
        account = "4421987650"
        context.log.info(f"calling with {api_key} for account {account}")
        raise RuntimeError(f"upstream refused key {api_key} for account {account}")

    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        result = dg.materialize([leaky], instance=instance, raise_on_error=False)
        assert not result.success
        failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
        assert "RuntimeError: upstream refused key [REDACTED] for account [number ****7650]" in \
            failure.step_failure_data.error.cause.message
    assert leaks([home], {api_key, "4421987650"}, at_least=2) == []
