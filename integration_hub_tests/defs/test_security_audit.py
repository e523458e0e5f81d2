"""Security and audit through the pipeline: ciphertext at rest, masked cards, the audit trail, lineage, key rotation."""
import json

import pandas as pd
import sqlalchemy as sa

from integration_hub.audit.chain import AuditTrail
from integration_hub.audit.store import HubStore
from integration_hub.cli import main
from integration_hub.config import settings
from integration_hub.erp.ledger import SqlLedger
from integration_hub.security.fields import decrypt_series, is_encrypted, key_ids_in_use
from integration_hub.security.keys import add_key
from integration_hub.security.keystore import hub_keyring, key_file
from integration_hub.security.protect import ACCOUNT_FLAG, CARD_FLAG
from integration_hub_tests.defs.conftest import metadata, run_phase

CARD = "4111 1111 1111 1111"
ACCOUNT_CONTEXT = "bank.transactions.account"


def company_accounts(company) -> set[str]:
    expected = json.loads((company / "truth" / "expected.json").read_text())["files"]
    return {info["account"] for info in expected.values() if "account" in info}


def paste_card_into_a_charge(company) -> str:
    charges = pd.read_csv(company / "stripe" / "charges.csv", dtype=str, keep_default_na=False)
    victim = charges.index[charges["amount"].str.fullmatch(r"\d+")][5]
    charges.loc[victim, "description"] = f"customer paid with {CARD} exp 12/27"
    charges.to_csv(company / "stripe" / "charges.csv", index=False)
    return charges.loc[victim, "id"]


def break_one_camt_entry(company) -> None:
    """An unknown currency on one camt.053 entry: that row is quarantined at the cleaned stage."""
    path = company / "bank" / "eur_account.xml"
    text = path.read_text()
    start = text.index("<Ntry>")
    end = text.index("</Ntry>", start)
    path.write_text(text[:start] + text[start:end].replace('Ccy="EUR"', 'Ccy="ZZZ"') + text[end:])


def test_sensitive_columns_are_ciphertext_at_rest_and_card_numbers_never_stored(company, instance):
    victim = paste_card_into_a_charge(company)
    break_one_camt_entry(company)
    result = run_phase(instance)
    assert result.success
    cfg = settings()
    keyring = hub_keyring(cfg.data_dir, create=False)

    extracted = pd.read_parquet(cfg.asset_dir / "bank" / "transactions" / "extracted.parquet")
    assert is_encrypted(extracted["account"]).all()
    assert set(decrypt_series(extracted["account"], ACCOUNT_CONTEXT, keyring)) == company_accounts(company)
    meta = metadata(result, "bank__transactions__extracted")
    assert "[encrypted " in meta["preview"] and meta["encrypted_columns"] == "account"

    store = HubStore(cfg.hub_db_url)
    bank_rejects = store.quarantined(system="bank", entity="transactions", stage="cleaned")
    assert len(bank_rejects) == 1 and bank_rejects["rule"].iloc[0] == "currency.currency"
    record = json.loads(bank_rejects["record"].iloc[0])
    assert is_encrypted(pd.Series([record["account"]])).all()

    charges = pd.read_parquet(cfg.asset_dir / "stripe" / "charges" / "extracted.parquet")
    text = charges.loc[charges["id"] == victim, "description"].iloc[0]
    assert text == "customer paid with [card ****1111] exp 12/27"
    assert metadata(result, "stripe__charges__extracted")[CARD_FLAG] == 1
    flags = store.flags(run_ids=[result.run_id])
    assert flags.loc[flags["flag"] == CARD_FLAG, ["source_id", "column_name"]].values.tolist() == [
        [victim, "description"]]
    wires = extracted["description"].str.contains("ACCT ", na=False)
    assert wires.any() and not extracted.loc[wires, "description"].str.contains(r"ACCT \d{5}").any()
    assert (flags["flag"] == ACCOUNT_FLAG).sum() == wires.sum()

    bank_in_erp = SqlLedger(cfg.erp_url).read_back("bank_transaction")
    assert set(bank_in_erp["account_mask"]) == {"****" + a[-4:] for a in company_accounts(company)}
    held = bank_in_erp.astype(str).to_csv()
    assert not any(a in held for a in company_accounts(company)) and "1111 1111" not in held


def test_every_load_is_chained_and_any_record_can_be_traced(company, instance, capsys, monkeypatch):
    first = run_phase(instance)
    second = run_phase(instance)
    assert first.success and second.success
    cfg = settings()
    trail = AuditTrail(cfg.hub_db_url)
    entries = trail.entries()
    loads = entries[entries["action"] == "erp.load"]
    assert sorted(loads["object"]) == sorted(["erp/customers", "erp/invoices", "erp/payments",
                                              "erp/bank_transactions"] * 2)
    assert set(loads["actor"]) == {f"dagster:{first.run_id}", f"dagster:{second.run_id}"}
    later = loads[loads["actor"] == f"dagster:{second.run_id}"]
    assert (later["before_fingerprint"] == later["after_fingerprint"]).all()      # the re-run changed nothing
    assert json.loads(later["details"].iloc[0])["records"]["unchanged"] > 0
    registered = entries[entries["action"] == "config.registered"]
    assert {"governance/phases.yaml", "mapping/stripe.charges", "defs/bank/system.yaml"} <= set(registered["object"])
    assert not entries[entries["actor"] == f"dagster:{second.run_id}"]["action"].str.startswith("config").any()

    payment = SqlLedger(cfg.erp_url).read_back("payment")["external_id"].iloc[0]
    capsys.readouterr()
    monkeypatch.setenv("IH_ACTOR", "priya")      # reading lineage is the auditor's right (lineage.read)
    assert main(["lineage", "payment", payment]) == 0
    shown = capsys.readouterr().out
    assert f"loaded by run {first.run_id}" in shown and "stripe.charges@v1#" in shown
    assert "charges.csv" in shown and "stripe/charges/mapped:error_budget" in shown
    assert "external_id" in shown and "prefix(stripe:)(id)" in shown
    assert main(["lineage", "payments", payment, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["sources"][0]["source_id"] == payment.split(":", 1)[1] and answer["run_id"] == first.run_id

    store = HubStore(cfg.hub_db_url)
    duplicate = store.merged(run_ids=[first.run_id], system="stripe", entity="charges").iloc[0]
    assert main(["lineage", "payment", f"stripe:{duplicate['merged_into']}", "--json"]) == 0
    folded = json.loads(capsys.readouterr().out)["sources"][0]["merge_evidence"]
    assert folded == [{"row": int(duplicate["row_number"]), "reason": duplicate["reason"]}]

    golden = pd.read_sql("SELECT external_id, source_system, source_id FROM lineage WHERE erp_entity = 'customer'",
                         cfg.hub_db_url)
    both = golden.groupby("external_id")["source_system"].nunique()
    master = both[both > 1].index[0]                          # a real customer known to Stripe and to billing
    member = golden[(golden["external_id"] == master) & (golden["source_system"] == "billing")].iloc[0]
    assert main(["lineage", "customer", f"billing:{member['source_id']}", "--json"]) == 0
    merged = json.loads(capsys.readouterr().out)
    assert merged["merged_into"] == master and merged["systems"] == ["billing", "stripe"] and merged["master_id"]
    assert {(m["source_system"], m["source_id"]) for m in merged["merge_evidence"]} >= {("billing", member["source_id"])}
    assert main(["lineage", "customer", f"billing:{member['source_id']}"]) == 0
    shown = capsys.readouterr().out
    assert f"(merged into {master})" in shown and "matched with stripe:" in shown and "probability" in shown
    assert main(["lineage", "customer", "billing:NOPE"]) == 1 and "no lineage" in capsys.readouterr().out

    lineage = metadata(first, "erp__customers__loaded")["dagster/column_lineage"]
    deps = {d.asset_key.to_user_string() for d in lineage.deps_by_column["email"]}
    assert deps == {"stripe/customers/mapped", "billing/customers/mapped", "crm/accounts/mapped", "shop/customers/mapped"}

    assert main(["audit", "verify"]) == 0 and capsys.readouterr().out.startswith(f"OK: {len(entries)} entries")
    victim = int(loads["seq"].iloc[1])
    with trail.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_chain SET details = replace(details, '\"created\"', '\"updated\"') "
                             "WHERE seq = :seq"), {"seq": victim})
    assert main(["audit", "verify"]) == 1
    assert capsys.readouterr().out.startswith(f"BROKEN at entry {victim}: entry {victim} was edited")


def test_keys_rotate_reencrypts_stored_values_and_retire_waits_for_it(company, instance, capsys):
    break_one_camt_entry(company)
    assert run_phase(instance).success
    cfg = settings()
    parquet = cfg.asset_dir / "bank" / "transactions" / "extracted.parquet"
    old = hub_keyring(cfg.data_dir, create=False)
    plain = decrypt_series(pd.read_parquet(parquet)["account"], ACCOUNT_CONTEXT, old)
    stored = len(plain) + 1                                                 # the datasets plus one quarantined row

    interrupted = add_key(key_file(cfg.data_dir))                           # a rotation that stopped halfway
    assert main(["keys", "retire", old.active_id]) == 1
    assert f"still encrypts {stored} stored values" in capsys.readouterr().err
    assert main(["keys", "rotate", "--no-new-key"]) == 0
    out = capsys.readouterr().out
    assert f"before: {old.active_id}: {stored}" in out and f"after:  {interrupted}: {stored}" in out

    assert main(["keys", "rotate"]) == 0
    new = hub_keyring(cfg.data_dir, create=False)
    assert new.active_id not in (old.active_id, interrupted) and len(new.keys) == 3
    rotated = pd.read_parquet(parquet)["account"]
    assert key_ids_in_use(rotated) == {new.active_id: len(plain)}
    assert decrypt_series(rotated, ACCOUNT_CONTEXT, new).equals(plain)
    record = json.loads(HubStore(cfg.hub_db_url).quarantined(system="bank")["record"].iloc[0])
    assert record["account"].startswith(f"enc:v1:{new.active_id}:")

    assert main(["keys", "retire", old.active_id]) == 0 and main(["keys", "retire", interrupted]) == 0
    assert set(hub_keyring(cfg.data_dir, create=False).keys) == {new.active_id}
    assert decrypt_series(rotated, ACCOUNT_CONTEXT, hub_keyring(cfg.data_dir, create=False)).equals(plain)
    assert run_phase(instance).success                                       # the pipeline goes on under the new key
    assert main(["audit", "verify"]) == 0
    actions = AuditTrail(cfg.hub_db_url).entries()["action"].tolist()
    assert actions.count("keys.rotate") == 2 and actions.count("keys.retire") == 2
