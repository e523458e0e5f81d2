"""BAI2 and MT940 statement writers (camt.053 is in bank_camt.py).

Each writer takes one account's entries (bank_activity.build_bank_entries) and its opening
balance, writes the file, and returns the 1-based line where each entry starts, so the
truth can point at it.

BAI2 (Cash Management Balance Reporting Specification v2): one file, one group (02) per
business day with activity, one account (03) per group with opening/closing ledger and
credit/debit totals; 16 detail records continued by 88 records; 49/98/99 trailers carry
record counts and control totals (algebraic sums of every amount, in minor units).

MT940 (SWIFT customer statement): one message per month, :20: :25: :28C: :60F:
then :61:/:86: pairs and :62F:, each message closed by a '-' line, CRLF line ends.
"""

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from integration_hub.demo.bank_activity import Account, day_to_date
from integration_hub.demo.text import ascii_fold

FILE_CREATED = np.datetime64("2026-01-02T06:00", "m")
_BAI_TYPE = {"payout": "165", "wire": "195", "fee": "698"}  # vendor: 495 wire / 455 ACH / 475 check
_MT_TYPE = {"payout": "NTRF", "wire": "NTRF", "vendor": "NTRF", "fee": "NCHG"}
_RECEIVER = "DEMOCO"
_SWIFT_X = re.compile(r"[^A-Za-z0-9/\-?:().,'+ _]")


@lru_cache(maxsize=None)
def _yymmdd(day: int) -> str:
    return day_to_date(day).item().strftime("%y%m%d")


def _bai_safe(text: str) -> str:
    return ascii_fold(str(text)).replace(",", " ").replace("/", " ").strip()


def _bai_detail(row, seq: int, width: int = 80) -> list[str]:
    """One 16 record, continued by 88 records so no physical line exceeds ``width``."""
    if row.kind == "vendor":
        code = ("495", "455", "475")[seq % 3]
    else:
        code = _BAI_TYPE[row.kind]
    name = _bai_safe(row.counterparty).upper()
    text = {"payout": f"{name} TRANSFER ID {row.reference}", "fee": row.description,
            "vendor": f"PAYMENT TO {name} {row.reference}",
            "wire": f"WIRE IN ORIG:{name} OBI:{_bai_safe(row.reference)} ACCT {row.counterparty_account}"}[row.kind]
    head = f"16,{code},{abs(int(row.amount))},0,{_bai_safe(row.bank_ref)},{_bai_safe(row.reference)},"
    words, lines, current = _bai_safe(text).split(), [], head
    for word in words:
        if len(current) + len(word) + 1 > width and current not in (head, "88,"):
            lines.append(current.rstrip())
            current = "88,"
        current += word + " "
    lines.append(current.rstrip() if current != head else head + "/")
    return lines


def write_bai2(path: Path, account: Account, entries: pd.DataFrame, opening: int) -> list[int]:
    created = FILE_CREATED.item()
    lines = [f"01,{account.bank_id},{_RECEIVER},{created:%y%m%d},{created:%H%M},1,,,2/"]
    starts, balance, file_total, groups = [], opening, 0, 0
    for day, day_rows in entries.groupby("day", sort=True):
        amounts = day_rows["amount"].to_numpy()
        credit, debit = amounts[amounts > 0], -amounts[amounts < 0]
        closing = balance + int(amounts.sum())
        account_lines = [f"03,{account.number},{account.currency},010,{balance},,,015,{closing},,,"
                         f"100,{credit.sum()},{len(credit)},,400,{debit.sum()},{len(debit)},/"]
        group_start = len(lines) + 2  # after this group's 02 record
        for row in day_rows.itertuples(index=False):
            starts.append(group_start + len(account_lines))
            account_lines += _bai_detail(row, len(starts))
        control = balance + closing + int(credit.sum()) + int(debit.sum()) + int(np.abs(amounts).sum())
        account_lines.append(f"49,{control},{len(account_lines) + 1}/")
        lines.append(f"02,{_RECEIVER},{account.bank_id},1,{_yymmdd(int(day))},,{account.currency},2/")
        lines += account_lines
        lines.append(f"98,{control},1,{len(account_lines) + 2}/")
        balance, file_total, groups = closing, file_total + control, groups + 1
    lines.append(f"99,{file_total},{groups},{len(lines) + 1}/")
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return starts


def _mt_amount(minor: int) -> str:
    return f"{abs(minor) // 100},{abs(minor) % 100:02d}"


def _mt_balance(tag: str, minor: int, day: int, currency: str) -> str:
    return f":{tag}:{'D' if minor < 0 else 'C'}{_yymmdd(int(day))}{currency}{_mt_amount(minor)}"


def _mt_text(text: str) -> str:
    return _SWIFT_X.sub(" ", ascii_fold(text).replace("&", "+")).strip()


def _mt_entry(row) -> list[str]:
    """:61: (value date, entry date, mark, amount, type, refs, supplementary) and its :86:."""
    ref = row.reference if 0 < len(row.reference) <= 16 and " " not in row.reference else "NONREF"
    date = _yymmdd(int(row.day))
    mark = "C" if row.amount > 0 else "D"
    line61 = f":61:{date}{date[2:]}{mark}{_mt_amount(int(row.amount))}{_MT_TYPE[row.kind]}{ref}//{row.bank_ref}"
    extra = [row.reference] if row.kind == "payout" else []  # 34x supplementary details: the full payout id
    reference = "" if row.reference in row.description else row.reference
    info = _mt_text(" ".join(p for p in (row.counterparty.upper(), reference, row.description) if p))
    chunks = [info[i: i + 65].strip() for i in range(0, min(len(info), 6 * 65), 65)] or ["NONREF"]
    return [line61, *extra, f":86:{chunks[0]}", *chunks[1:]]


def write_mt940(path: Path, account: Account, entries: pd.DataFrame, opening: int) -> list[int]:
    lines, starts, balance = [], [], opening
    month = (np.datetime64("2025-01-01") + entries["day"].to_numpy().astype("timedelta64[D]")).astype("datetime64[M]")
    for seq, m in enumerate(np.unique(month), start=1):
        rows = entries[month == m]
        first = int((m.astype("datetime64[D]") - np.datetime64("2025-01-01")).astype(int))
        last = int(((m + 1).astype("datetime64[D]") - np.datetime64("2025-01-01")).astype(int)) - 1
        lines += [f":20:STMT{_yymmdd(last)}{account.currency}", f":25:{account.number}", f":28C:{seq:05d}/1",
                  _mt_balance("60F", balance, first - 1, account.currency)]
        for row in rows.itertuples(index=False):
            starts.append(len(lines) + 1)
            lines += _mt_entry(row)
        balance += int(rows["amount"].sum())
        lines += [_mt_balance("62F", balance, last, account.currency), _mt_balance("64", balance, last, account.currency), "-"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("ascii"))
    return starts
