"""ISO 20022 camt.053.001.02 (BankToCustomerStatement) writer.

One Document, one BkToCstmrStmt, one Stmt per month; elements in the order the
camt.053.001.02 schema's sequences require (GrpHdr; Stmt: Id, ElctrncSeqNb, CreDtTm,
FrToDt, Acct, Bal, TxsSummry, Ntry; Ntry: Amt, CdtDbtInd, Sts, BookgDt, ValDt,
AcctSvcrRef, BkTxCd, NtryDtls, AddtlNtryInf; TxDtls: Refs, AmtDtls, RltdPties, RmtInf).
"""

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd

from integration_hub.demo import ids
from integration_hub.demo.bank_activity import Account, day_to_date

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
CREATED = "2026-01-02T06:00:00"
_STRIPE_IBAN = ids.iban("IE", "STRP93000012345678")
_CODES = {  # ISO bank transaction codes: domain, family, sub-family
    ("payout", "CRDT"): ("PMNT", "RCDT", "ESCT"), ("wire", "CRDT"): ("PMNT", "RCDT", "ESCT"),
    ("vendor", "DBIT"): ("PMNT", "ICDT", "ESCT"), ("fee", "DBIT"): ("ACMT", "MDOP", "CHRG"),
}


def _amt(minor: int, currency: str) -> str:
    return f'<Amt Ccy="{currency}">{abs(minor) // 100}.{abs(minor) % 100:02d}</Amt>'


def _el(tag: str, text: str) -> str:
    return f"<{tag}>{escape(str(text))}</{tag}>"


def _entry(row, currency: str) -> list[str]:
    side = "CRDT" if row.amount > 0 else "DBIT"
    date = str(day_to_date(row.day))
    domain, family, sub = _CODES[(row.kind, side)]
    lines = ["      <Ntry>", f"        {_amt(int(row.amount), currency)}", f"        {_el('CdtDbtInd', side)}",
             "        <Sts>BOOK</Sts>", f"        <BookgDt><Dt>{date}</Dt></BookgDt>",
             f"        <ValDt><Dt>{date}</Dt></ValDt>", f"        {_el('AcctSvcrRef', row.bank_ref)}",
             f"        <BkTxCd><Domn><Cd>{domain}</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd>"]
    if row.kind != "fee":
        party, account = ("Dbtr", "DbtrAcct") if side == "CRDT" else ("Cdtr", "CdtrAcct")
        iban = _STRIPE_IBAN if row.kind == "payout" else row.counterparty_account
        end_to_end = row.reference if row.kind in ("payout", "vendor") else "NOTPROVIDED"
        lines += ["        <NtryDtls>", "          <TxDtls>",
                  f"            <Refs>{_el('EndToEndId', end_to_end[:35])}</Refs>",
                  f"            <AmtDtls><TxAmt>{_amt(int(row.amount), currency)}</TxAmt></AmtDtls>",
                  f"            <RltdPties><{party}>{_el('Nm', row.counterparty[:70])}</{party}>"
                  + (f"<{account}><Id>{_el('IBAN', iban)}</Id></{account}>" if iban else "") + "</RltdPties>"]
        remittance = row.description if row.kind == "payout" else row.reference
        if remittance:
            lines.append(f"            <RmtInf>{_el('Ustrd', remittance[:140])}</RmtInf>")
        lines += ["          </TxDtls>", "        </NtryDtls>"]
    lines += [f"        {_el('AddtlNtryInf', row.description or row.counterparty)}", "      </Ntry>"]
    return lines


def _balance(code: str, minor: int, date, currency: str) -> str:
    side = "DBIT" if minor < 0 else "CRDT"
    return (f"      <Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>{_amt(minor, currency)}"
            f"<CdtDbtInd>{side}</CdtDbtInd><Dt><Dt>{date}</Dt></Dt></Bal>")


def _summary(amounts: np.ndarray, currency: str) -> list[str]:
    credit, debit = amounts[amounts > 0], -amounts[amounts < 0]
    net = int(amounts.sum())

    def dec(v: int) -> str:
        return f"{abs(v) // 100}.{abs(v) % 100:02d}"

    return ["      <TxsSummry>",
            f"        <TtlNtries><NbOfNtries>{len(amounts)}</NbOfNtries><Sum>{dec(int(np.abs(amounts).sum()))}</Sum>"
            f"<TtlNetNtryAmt>{dec(net)}</TtlNetNtryAmt><CdtDbtInd>{'DBIT' if net < 0 else 'CRDT'}</CdtDbtInd></TtlNtries>",
            f"        <TtlCdtNtries><NbOfNtries>{len(credit)}</NbOfNtries><Sum>{dec(int(credit.sum()))}</Sum></TtlCdtNtries>",
            f"        <TtlDbtNtries><NbOfNtries>{len(debit)}</NbOfNtries><Sum>{dec(int(debit.sum()))}</Sum></TtlDbtNtries>",
            "      </TxsSummry>"]


def write_camt053(path: Path, account: Account, entries: pd.DataFrame, opening: int) -> list[int]:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f"<Document xmlns={quoteattr(NAMESPACE)}>", "  <BkToCstmrStmt>",
             "    <GrpHdr>", f"      {_el('MsgId', 'CAMT053-' + account.currency + '-2025')}",
             f"      <CreDtTm>{CREATED}</CreDtTm>",
             "      <MsgPgntn><PgNb>1</PgNb><LastPgInd>true</LastPgInd></MsgPgntn>", "    </GrpHdr>"]
    starts, balance = [], opening
    dates = day_to_date(0) + entries["day"].to_numpy().astype("timedelta64[D]")
    months = dates.astype("datetime64[M]")
    for seq, month in enumerate(np.unique(months), start=1):
        rows = entries[months == month]
        first, last = month.astype("datetime64[D]"), (month + 1).astype("datetime64[D]") - 1
        closing = balance + int(rows["amount"].sum())
        lines += ["    <Stmt>", f"      {_el('Id', f'STMT-{account.currency}-{month}')}",
                  f"      <ElctrncSeqNb>{seq}</ElctrncSeqNb>", f"      <CreDtTm>{last + 1}T06:00:00</CreDtTm>",
                  f"      <FrToDt><FrDtTm>{first}T00:00:00</FrDtTm><ToDtTm>{last}T23:59:59</ToDtTm></FrToDt>",
                  f"      <Acct><Id>{_el('IBAN', account.number)}</Id><Ccy>{account.currency}</Ccy>"
                  f"<Ownr>{_el('Nm', account.holder)}</Ownr><Svcr><FinInstnId>{_el('BIC', account.bank_id)}</FinInstnId></Svcr></Acct>",
                  _balance("OPBD", balance, first - 1, account.currency), _balance("CLBD", closing, last, account.currency),
                  *_summary(rows["amount"].to_numpy(dtype=np.int64), account.currency)]
        for row in rows.itertuples(index=False):
            starts.append(len(lines) + 1)
            lines += _entry(row, account.currency)
        lines.append("    </Stmt>")
        balance = closing
    lines += ["  </BkToCstmrStmt>", "</Document>"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return starts
