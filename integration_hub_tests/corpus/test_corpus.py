"""The bad-input corpus (cases.py) through the whole cash phase: every case gets its declared outcome,
conservation holds, and no traceback reaches the user.

Four pipeline runs (cases.RUNS) on a small generated company, each case built into it at test time
(build.py). The corpus runs with the cash phase's error budget raised to 50%: dozens of bad records in
a 12-row credit-note file would otherwise (rightly) stop the load at the budget gate, which has tests
of its own (defs/test_cash_phase.py, defs/test_extraction_quarantine.py).
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from integration_hub.audit.store import HubStore
from integration_hub.config import settings
from integration_hub.connectors.exports import read_export
from integration_hub.erp.ledger import SqlLedger
from integration_hub.security.csv_cells import neutralize_cell
from integration_hub_tests.corpus.build import Placed, build
from integration_hub_tests.corpus.cases import (CASES, HYPERLINK, EmptyFile, Flagged, GateFails, Loaded, Merged,
                                                Quarantined, ReadSame, Refused, StatementRead)
from integration_hub_tests.defs.conftest import checks_by_name, metadata, run_phase

ENTITY_OF = {"stripe/charges.csv": ("stripe", "charges"), "stripe/refunds.csv": ("stripe", "refunds"),
             "stripe/customers.csv": ("stripe", "customers"), "billing/invoices.csv": ("billing", "invoices"),
             "billing/credit_notes.csv": ("billing", "credit_notes"),
             "billing/customers.csv": ("billing", "customers")}


def test_corpus_has_at_least_fifty_cases_with_unique_names():
    names = [c.name for c in CASES]
    assert len(names) >= 50 and len(set(names)) == len(names)


@pytest.fixture
def lenient_budget(monkeypatch):
    import integration_hub.definitions as definitions
    from integration_hub.governance.phases import load_phases

    def phases():
        return {name: dataclasses.replace(p, error_budget=0.5) for name, p in load_phases().items()}
    monkeypatch.setattr(definitions, "load_phases", phases)


def cli(*argv: str) -> tuple[int, str]:
    from integration_hub.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


class Outcomes:
    """What one run left behind, for the cases to be judged against."""

    def __init__(self, result, company: Path):
        self.result, self.company = result, company
        self.store = HubStore(settings().hub_db_url)
        self.quarantine = self.store.quarantined(run_ids=[result.run_id])
        self.checks = checks_by_name(result)
        self.ledger = SqlLedger(settings().erp_url)

    def entries(self, placed: Placed) -> pd.DataFrame:
        system, entity = ENTITY_OF[placed.case.file]
        q = self.quarantine
        return q[(q["system"] == system) & (q["entity"] == entity) & (q["row_number"] == placed.row_number)]

    def stage_frame(self, file: str, stage: str) -> pd.DataFrame:
        system, entity = ENTITY_OF[file] if file in ENTITY_OF else ("bank", "transactions")
        return pd.read_parquet(settings().asset_dir / system / entity / f"{stage}.parquet")


def judge(placed: Placed, out: Outcomes) -> str | None:
    """None when the case got its expected outcome, else what happened instead."""
    case, expected = placed.case, placed.case.expected
    if isinstance(expected, Quarantined):
        mine = out.entries(placed)
        hit = mine[mine["rule"] == expected.rule]
        if hit.empty:
            return f"quarantine for row {placed.row_number}: {mine[['stage', 'rule', 'value']].values.tolist()}"
        if expected.value is not None and expected.value not in hit["value"].tolist():
            return f"stored value {hit['value'].tolist()} (expected {expected.value!r})"
        return None
    if isinstance(expected, Merged):
        system, entity = ENTITY_OF[case.file]
        merged = out.store.merged(run_ids=[out.result.run_id], system=system, entity=entity)
        if placed.row_number not in set(merged["row_number"]):
            return f"not merged; quarantine {out.entries(placed)['rule'].tolist()}"
        return None
    if isinstance(expected, Loaded):
        if not out.entries(placed).empty:
            return f"quarantined {out.entries(placed)[['rule', 'value']].values.tolist()}"
        mapped = out.stage_frame(case.file, "mapped")
        row = mapped[mapped["_row"] == placed.row_number]
        if len(row) != 1:
            return f"{len(row)} mapped rows for data row {placed.row_number}"
        record = row.iloc[0]
        if expected.entity != "customer":
            loaded = out.ledger.read_back(expected.entity, external_ids=[record["external_id"]])
            if len(loaded) != 1:
                return f"{record['external_id']} not in the ERP"
            record = loaded.iloc[0]
        for name, value in expected.fields.items():
            got = record[name]
            if not (value is None and pd.isna(got)) and got != value:
                return f"{name} = {got!r}, expected {value!r}"
        return None
    if isinstance(expected, Refused):
        q = out.quarantine
        mine = q[q["source_id"] == str(placed.path)]
        if mine["rule"].tolist() != [expected.rule]:
            return f"quarantine for the file: {mine[['rule', 'value']].values.tolist()}"
        if expected.line is not None and f"line {expected.line}:" not in mine["value"].iloc[0]:
            return f"refused at another line: {mine['value'].iloc[0][:200]}"
        if "Traceback" in mine["value"].iloc[0]:
            return "a traceback in the quarantine entry"
        return None
    if isinstance(expected, Flagged):
        flagged = out.store.incomplete_statements([out.result.run_id])
        mine = flagged[flagged["file"] == str(placed.path)]
        if mine.empty or set(mine["status"]) != {expected.status}:
            return f"incomplete_statements for the file: {mine[['status', 'detail']].values.tolist()}"
        rows = out.stage_frame(case.file, "extracted")
        rows = rows[rows["_origin"] == str(placed.path)]
        flagged_rows = rows["statement_id"].isin(set(mine["statement_id"]))
        if not flagged_rows.any() or set(rows.loc[flagged_rows, "statement_status"]) != {expected.status} \
                or set(rows.loc[~flagged_rows, "statement_status"]) - {"complete"}:
            return f"extracted rows of the file: {rows.groupby('statement_id')['statement_status'].first()}"
        return None
    if isinstance(expected, StatementRead):
        rows = out.stage_frame(case.file, "extracted")
        rows = rows[rows["_origin"] == str(placed.path)]
        if rows.empty:
            return "no rows read from the file"
        if expected.merged:
            merged = out.store.merged(run_ids=[out.result.run_id], system="bank", entity="transactions")
            missing = set(rows["_row"]) - set(merged["row_number"])
            return f"{len(missing)} of {len(rows)} rows not merged" if missing else None
        hit = rows[rows["description"].str.startswith(expected.description, na=False)]
        if len(hit) != 1:
            return f"{len(hit)} rows with description {expected.description!r}"
        loaded = out.ledger.read_back("bank_transaction")
        return None if f"bank:{hit['source_id'].iloc[0]}" in set(loaded["external_id"]) else \
            f"not in the ERP: {hit['source_id'].iloc[0]} ({sorted(loaded['external_id'])[:3]}...)"
    if isinstance(expected, ReadSame):
        system, entity = ENTITY_OF[case.file]
        reference = placed.path.with_name(placed.path.name + ".reference")
        reference.write_bytes(placed.context["templates"].references[placed.path])
        want = read_export(reference).frame
        reference.unlink()
        got = out.stage_frame(case.file, "extracted")
        columns = [c for c in want.columns if not c.startswith("_")]
        if list(got.columns[:0]) or not set(columns) <= set(got.columns):
            return f"columns {list(got.columns)}"
        if not got[columns + ["_row"]].reset_index(drop=True).equals(want[columns + ["_row"]]):
            return "values differ from the original export"
        encoding = metadata(out.result, f"{system}__{entity}__extracted")["encoding"]
        if encoding != expected.encoding:
            return f"read as {encoding}"
        return None
    if isinstance(expected, EmptyFile):
        system, entity = ENTITY_OF[case.file]
        q = out.quarantine
        entries = q[(q["system"] == system) & (q["entity"] == entity)]
        rows = metadata(out.result, f"{system}__{entity}__extracted")["dagster/row_count"]
        return None if rows == 0 and entries.empty else f"{rows} rows, quarantine {entries['rule'].tolist()}"
    if isinstance(expected, GateFails):
        passed = out.checks.get((expected.asset, expected.check))
        return None if passed is False else f"{expected.asset} {expected.check} passed={passed}"
    raise TypeError(expected)


def no_traceback(result, out: Outcomes) -> list[str]:
    problems = []
    for event in result.all_events:
        if event.is_failure or event.event_type_value in ("STEP_FAILURE", "RUN_FAILURE"):
            error = getattr(event.event_specific_data, "error", None)
            for text in (event.message or "", error.message if error else ""):
                if "Traceback" in text:
                    problems.append(f"{event.step_key}: {text[:300]}")
    code, text = cli("quarantine", "--run", result.run_id, "--limit", "100000")
    if code != 0 or "Traceback" in text:
        problems.append(f"integration-hub quarantine exit {code}: {text[-500:]}")
    return problems


def cells(path: Path) -> set[str]:
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        return {cell for row in csv.reader(handle) for cell in row}


def formula_cells(root: Path, skip: Path) -> list[str]:
    """Cells of every CSV the hub wrote under `root` (not the source exports) a spreadsheet would run."""
    import csv

    bad = []
    for path in sorted(root.rglob("*.csv")):
        if skip in path.parents:
            continue
        with path.open(newline="", encoding="utf-8") as handle:
            for n, row in enumerate(csv.reader(handle)):
                bad += [f"{path.name}:{n}: {cell[:60]}" for cell in row if neutralize_cell(cell) != cell]
    return bad


def run_corpus(run: str, company: Path, instance) -> tuple[list[Placed], Outcomes, float]:
    placed = build(company, run)
    started = time.perf_counter()
    result = run_phase(instance)
    elapsed = time.perf_counter() - started
    return placed, Outcomes(result, company), elapsed


def report(run: str, placed: list[Placed], out: Outcomes, elapsed: float) -> list[str]:
    failures = []
    for p in placed:
        problem = judge(p, out)
        print(f"case {p.case.name}: {p.case.expected} -> {'ok' if problem is None else 'FAILED: ' + problem}")
        if problem is not None:
            failures.append(f"{p.case.name}: {problem}")
    failures += no_traceback(out.result, out)
    print(f"run {run}: {len(placed)} cases in {elapsed:.1f} s")
    return failures


CASH_SYSTEMS = ("stripe", "billing", "bank")


def conservation(out: Outcomes) -> dict:
    """The conservation checks of the cash phase's seven source entities (the shared customer load
    also checks phase 2's feeds, which hold nothing in these runs)."""
    return {k: v for k, v in out.checks.items() if k[1].startswith("conservation_")
            and k[1].removeprefix("conservation_").split("__")[0] in CASH_SYSTEMS}


def test_bad_records(company, instance, lenient_budget, hub_env):
    placed, out, elapsed = run_corpus("rows", company, instance)
    failures = report("rows", placed, out, elapsed)
    assert out.result.success, failures
    checks = conservation(out)
    assert len(checks) == 7 and all(checks.values()), checks
    assert all(out.checks.values()), [k for k, v in out.checks.items() if not v]
    # CSV injection: the hub's own CSVs (reports, master review) and its CSV commands neutralize it
    std_out, dedupe_out = hub_env / "out" / "std.csv", hub_env / "out" / "dedupe.csv"
    std_out.parent.mkdir()
    for argv in (("standardize", str(company / "billing" / "customers.csv"), "--entity", "customer",
                  "--out", str(std_out)),
                 ("dedupe", str(company / "billing" / "customers.csv"), "--id-column", "customer_id",
                  "--out", str(dedupe_out))):
        code, text = cli(*argv)
        assert code == 0 and "Traceback" not in text, text
    assert HYPERLINK in cells(company / "billing" / "customers.csv")
    written = [p for p in hub_env.rglob("*.csv") if company not in p.parents]
    assert std_out in written and dedupe_out in written and any("reports" in p.parts for p in written)
    assert "'" + HYPERLINK in cells(std_out) and "'" + HYPERLINK in cells(dedupe_out)
    assert formula_cells(hub_env, company) == []
    assert failures == []


def test_export_files_written_differently(company, instance, lenient_budget):
    placed, out, elapsed = run_corpus("files", company, instance)
    failures = report("files", placed, out, elapsed)
    assert out.result.success, failures
    assert all(conservation(out).values()) and len(conservation(out)) == 7
    assert failures == []


def test_refused_files_and_statements(company, instance, lenient_budget):
    placed, out, elapsed = run_corpus("bank", company, instance)
    failures = report("bank", placed, out, elapsed)
    assert out.result.success, failures
    assert all(conservation(out).values())
    for path in (company / "bank").iterdir():       # the refused files' contents never reached a record
        code, text = cli("bank", "parse", str(path))
        assert "Traceback" not in text and "root:x:0:0" not in text and "lollol" not in text, text
        assert code in (0, 2), (path, code, text)
    refused = {str(p.path) for p in placed if isinstance(p.case.expected, Refused)}
    transactions = out.stage_frame("bank/x", "extracted")
    assert not transactions["_origin"].isin(refused).any()
    assert failures == []


def test_gates_stop_what_cannot_go_live(company, instance, lenient_budget):
    placed, out, elapsed = run_corpus("gate", company, instance)
    failures = report("gate", placed, out, elapsed)
    assert not out.result.success
    assert out.checks[("erp/bank_transactions/loaded", "golive_bank__transactions")] is False
    assert out.result.is_node_untouched("stripe__charges__cleaned")
    assert failures == []


def test_totals_of_huge_amounts_do_not_wrap(company, instance, lenient_budget):
    placed, out, elapsed = run_corpus("overflow", company, instance)
    failures = report("overflow", placed, out, elapsed)
    assert out.result.success and failures == [], failures
    totals = pd.read_csv(settings().reports_dir / "reconciliation_totals.csv", dtype={"total_minor": object})
    usd = totals[(totals["entity"] == "invoice") & (totals["currency"] == "USD")]["total_minor"].map(int)
    loaded = out.ledger.read_back("invoice")
    exact = sum(int(v) for v in loaded.loc[loaded["currency"] == "USD", "total_minor"])
    assert usd.tolist() == [exact]
