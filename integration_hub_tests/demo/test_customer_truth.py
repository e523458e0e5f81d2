"""The customer truth: complete, and full of the duplicates and look-alikes entity resolution must handle."""

import pandas as pd

SYSTEM_FILES = {"stripe": ("stripe/customers.csv", "id"), "billing": ("billing/customers.csv", "customer_id"),
                "crm": ("crm/accounts.csv", "Id")}


def test_truth_covers_every_customer_record_exactly_once(medium):
    truth = medium.csv("truth/customer_truth.csv")
    assert not truth.duplicated(["system", "source_id"]).any()
    for system, (file, id_column) in SYSTEM_FILES.items():
        ids = medium.csv(file)[id_column]
        assert ids.is_unique and (ids != "").all()
        assert set(ids) == set(truth.loc[truth["system"] == system, "source_id"])


def test_every_real_customer_is_in_stripe_and_billing_and_companies_in_crm(medium):
    truth = medium.csv("truth/customer_truth.csv")
    scale = medium.manifest["scale"]
    by_system = truth.groupby("system")["true_customer_id"].nunique()
    assert by_system["stripe"] == by_system["billing"] == scale
    crm = truth[truth["system"] == "crm"]
    assert (crm["is_b2c"] == "false").all()
    assert 0.1 < (truth.drop_duplicates("true_customer_id")["is_b2c"] == "true").mean() < 0.3


def test_same_customer_appears_several_times_spelled_differently(medium):
    truth = medium.csv("truth/customer_truth.csv")
    stripe = medium.csv("stripe/customers.csv").merge(truth, left_on="id", right_on="source_id")
    multi = stripe.groupby("true_customer_id").filter(lambda g: len(g) > 1)
    assert multi["true_customer_id"].nunique() > medium.manifest["scale"] * 0.05
    spellings = multi.groupby("true_customer_id")["name"].nunique()
    assert (spellings > 1).mean() > 0.6  # most duplicates are typed differently
    in_all = truth.groupby("true_customer_id")["system"].nunique()
    assert (in_all == 3).sum() > medium.manifest["scale"] * 0.6


def test_textbook_duplicate_abc_corporation(small):
    truth = small.csv("truth/customer_truth.csv")
    abc = truth[truth["true_customer_id"] == "RC-000001"]
    stripe_names = small.csv("stripe/customers.csv").set_index("id").loc[abc.loc[abc["system"] == "stripe", "source_id"], "name"]
    assert len(stripe_names) == 3
    assert all("abc" in name.lower() for name in stripe_names)


def test_hard_negatives_are_different_customers_that_look_alike(medium):
    pairs = medium.csv("truth/hard_negatives.csv")
    assert {"sibling", "same_name_other_city"} <= set(pairs["kind"])
    assert (pairs["true_customer_id_a"] != pairs["true_customer_id_b"]).all()
    crm = medium.csv("crm/accounts.csv").merge(medium.csv("truth/customer_truth.csv"), left_on="Id", right_on="source_id")
    cities = crm.groupby("true_customer_id")["BillingCity"].first().str.lower()
    same_name = pairs[pairs["kind"] == "same_name_other_city"]
    known = same_name[same_name["true_customer_id_a"].isin(cities.index) & same_name["true_customer_id_b"].isin(cities.index)]
    assert len(known) > 0
    assert (cities[known["true_customer_id_a"]].to_numpy() != cities[known["true_customer_id_b"]].to_numpy()).mean() > 0.8


def test_mess_in_formats_is_there(medium):
    stripe, billing, crm = (medium.csv(f) for f in ("stripe/customers.csv", "billing/customers.csv", "crm/accounts.csv"))
    phones = pd.concat([stripe["phone"], billing["phone"], crm["Phone"]])
    for pattern in (r"^\(\d{3}\) \d{3}-\d{4}$", r"^\d{3}\.\d{3}\.\d{4}$", r"^\+1 \d{3} \d{3} \d{4}$", r" x\d+$", r"^\+49 "):
        assert phones.str.contains(pattern).any(), pattern
    countries = set(pd.concat([stripe["address_country"], billing["billing_country"], crm["BillingCountry"]]))
    assert {"US", "USA", "U.S.", "United States", "Deutschland", ""} <= countries
    streets = pd.concat([stripe["address_line1"], billing["billing_street"], crm["BillingStreet"]])
    assert streets.str.contains(r" St$").any() and streets.str.contains(r" Street\b").any()
    assert billing["billing_street"].str.contains(r"Ste \d+").any()
    assert crm["BillingStreet"].str.contains("\n").any()  # Salesforce multi-line street
    names = pd.concat([stripe["name"], billing["company_name"], crm["Name"]])
    assert names.str.contains("ü").any() and names.str.contains("é").any()
    assert stripe["currency"].isin(["usd", "eur", "gbp", ""]).all()
