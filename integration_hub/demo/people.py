"""Phase 4 people in BambooHR: a few dozen employees (not scaled) in departments under one CEO.

The hierarchy is a tree by construction: the CEO has no supervisor, each department head reports
to the CEO, a team lead to the head, everyone else to the head or a lead of their department, and
only staff without reports have left. Each row is what BambooHR's employee report sends: ``ssn``
("536-90-4718", US staff only), ``bankAccount`` (digits) and ``payRate`` ("85000.00 USD") are the
sensitive plaintext the hub encrypts at extraction: fake, in the export only, never in the truth.
``terminationDate`` is "0000-00-00" for none, as BambooHR writes it. One employee's work email is
planted malformed: the declaration drops that value (``on_invalid: null``), the record still maps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from integration_hub.demo import vocab
from integration_hub.demo.declared import columns_for
from integration_hub.demo.window import END

WINDOW_END = END - np.timedelta64(1, "s")
# department: head's title, staff titles, salary range in dollars
DEPARTMENTS = {
    "Finance": ("Chief Financial Officer", ("Controller", "Accountant", "AP Specialist"), (60_000, 140_000)),
    "Sales": ("VP Sales", ("Account Executive", "Sales Development Rep"), (55_000, 130_000)),
    "Marketing": ("VP Marketing", ("Marketing Manager", "Content Specialist"), (55_000, 120_000)),
    "Operations": ("VP Operations", ("Warehouse Coordinator", "Buyer", "Logistics Analyst"), (45_000, 110_000)),
    "Engineering": ("CTO", ("Software Engineer", "Data Engineer", "QA Engineer"), (90_000, 190_000)),
    "Customer Support": ("Head of Support", ("Support Specialist", "Support Lead"), (40_000, 80_000)),
    "People": ("Head of People", ("HR Generalist", "Recruiter"), (55_000, 110_000)),
}
HOURLY_TITLES = ("Warehouse Coordinator", "Support Specialist")


def build(rng: np.random.Generator, layout) -> tuple[dict, pd.DataFrame, list, dict]:
    """(columns, employee_truth, planted faults, summary)."""
    names = list(DEPARTMENTS)
    n = int(rng.integers(24, 37))
    department = np.array(["Executive"] + names + list(rng.choice(names, n - 1 - len(names))), dtype=object)
    title = np.empty(n, dtype=object)
    title[0] = "Chief Executive Officer"
    supervisor = np.full(n, -1)
    head = {}
    for i in range(1, n):
        spec = DEPARTMENTS[department[i]]
        if department[i] not in head:
            head[department[i]], title[i], supervisor[i] = i, spec[0], 0
            continue
        peers = [j for j in range(1, i) if department[j] == department[i] and supervisor[j] == head[department[i]]
                 and str(title[j]).endswith("Lead")]
        title[i] = spec[1][int(rng.integers(len(spec[1])))]
        lead = peers[0] if peers and rng.random() < 0.5 else head[department[i]]
        supervisor[i] = lead
        if lead == head[department[i]] and not peers and rng.random() < 0.3:
            title[i] = "Team Lead"                                   # a lead others may report to
    # the tree is made; now a leaf may have left
    leaves = np.setdiff1d(np.arange(1, n), supervisor)
    left = rng.choice(leaves, size=min(2, len(leaves)), replace=False)
    london = rng.random(n) < 0.15
    london[0] = False
    hired = np.datetime64("2015-03-02") + rng.integers(0, 10 * 365, n).astype("timedelta64[D]")
    hired[0] = np.datetime64("2014-06-02")
    for i in range(1, n):                                           # after their supervisor
        hired[i] = max(hired[i], hired[supervisor[i]] + np.timedelta64(30, "D"))
    terminated = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    terminated[left] = np.maximum(np.datetime64("2025-02-03") + rng.integers(0, 300, len(left)).astype("timedelta64[D]"),
                                  hired[left] + np.timedelta64(60, "D"))
    first = [vocab.FIRST_NAMES[int(j)] for j in rng.integers(0, len(vocab.FIRST_NAMES), n)]
    last, seen = [], set()
    for j, f in zip(rng.integers(0, len(vocab.LAST_NAMES), n), first):
        name = vocab.LAST_NAMES[int(j)]
        while (f, name) in seen:
            name = vocab.LAST_NAMES[(vocab.LAST_NAMES.index(name) + 1) % len(vocab.LAST_NAMES)]
        seen.add((f, name))
        last.append(name)
    ids = (100 + np.cumsum(rng.integers(1, 6, n))).astype(str)
    hourly = np.isin(title, HOURLY_TITLES)
    low = np.array([DEPARTMENTS.get(d, (None, None, (180_000, 260_000)))[2][0] for d in department])
    high = np.array([DEPARTMENTS.get(d, (None, None, (180_000, 260_000)))[2][1] for d in department])
    salary = (rng.uniform(0, 1, n) * (high - low) + low).astype(np.int64) * 100 + rng.integers(0, 100, n)
    wage = rng.integers(1800, 3400, n)
    currency = np.where(london, "GBP", "USD")
    rate = np.where(hourly, wage, salary)
    pay = [f"{r // 100}.{r % 100:02d} {c}" for r, c in zip(rate, currency)]
    ssn = [("" if uk else f"{a:03d}-{g:02d}-{s:04d}") for uk, a, g, s in
           zip(london, _ssn_area(rng, n), rng.integers(1, 100, n), rng.integers(1, 10000, n))]
    bank = ["".join(str(d) for d in rng.integers(0, 10, 8 if uk else int(rng.integers(10, 13)))) for uk in london]
    email = [f"{_ascii(f).lower()}.{_ascii(l).lower()}@example.com" for f, l in zip(first, last)]
    bad_email = int(rng.integers(1, n))
    email[bad_email] = email[bad_email].replace("@", " at ")
    changed = np.minimum(np.datetime64("2025-01-06T09:00:00") + rng.integers(0, 350 * 86400, n).astype("timedelta64[s]"),
                         WINDOW_END)
    display = [f"{f} {l}" for f, l in zip(first, last)]
    values = {
        "id": list(ids), "employeeNumber": [f"{1000 + i}" for i in range(1, n + 1)], "firstName": first,
        "lastName": last, "displayName": display, "workEmail": email, "jobTitle": list(title),
        "department": list(department), "division": ["Europe" if uk else "North America" for uk in london],
        "location": ["London" if uk else ("Austin" if r < 0.7 else "Remote - US") for uk, r in zip(london, rng.random(n))],
        "status": ["Inactive" if not np.isnat(t) else "Active" for t in terminated],
        "hireDate": [str(h) for h in hired.astype("datetime64[D]")],
        "terminationDate": ["0000-00-00" if np.isnat(t) else str(t) for t in terminated],
        "supervisorEId": [ids[s] if s >= 0 else "" for s in supervisor],
        "supervisor": [f"{last[s]}, {first[s]}" if s >= 0 else "" for s in supervisor],
        "payType": ["Hourly" if h else "Salary" for h in hourly], "payPer": ["Hour" if h else "Year" for h in hourly],
        "ssn": ssn, "payRate": pay, "bankAccount": bank,
        "lastChanged": [f"{t}Z" for t in changed.astype("datetime64[s]")], "deleted": ["false"] * n}
    truth = pd.DataFrame({"source_id": ids, "employee_number": values["employeeNumber"], "first_name": first,
                          "last_name": last, "department": department, "job_title": title,
                          "manager_source_id": values["supervisorEId"], "status": values["status"],
                          "is_root": supervisor < 0, "has_ssn": ~london})
    faults = [(layout.file, ids[bad_email], "invalid_work_email", "workEmail nulled by on_invalid: null")]
    summary = {"employees": n, "root": ids[0], "departments": sorted(set(department)),
               "active": int(np.isnat(terminated).sum()), "terminated": int(len(left)),
               "with_ssn": int((~london).sum())}
    return columns_for(layout, values, n), truth, faults, summary


def _ssn_area(rng: np.random.Generator, n: int) -> np.ndarray:
    """Area numbers an SSN may have (001-899 without 666)."""
    area = rng.integers(1, 899, n)
    return np.where(area == 666, 667, area)


def _ascii(text: str) -> str:
    from integration_hub.demo.text import ascii_fold

    return "".join(ch for ch in ascii_fold(text) if ch.isalnum())
