import json

import pandas as pd
import pytest

from integration_hub.resolve.engine import ResolverConfig, resolve
from integration_hub.resolve.metrics import pairwise_scores
from integration_hub_tests.resolve.conftest import cluster_of, make_records


def test_precision_and_recall_on_generated_company(resolved):
    _, resolution, truth = resolved
    joined = resolution.crosswalk.merge(truth, on=["system", "source_id"], validate="one_to_one")
    scores = pairwise_scores(joined["master_id"], joined["true_customer_id"])
    assert scores["precision"] >= 0.999, scores
    assert scores["recall"] >= 0.998, scores


def test_hard_negatives_are_not_merged(resolved, company):
    _, resolution, truth = resolved
    negatives = pd.read_csv(company / "truth" / "hard_negatives.csv")
    negatives = negatives[negatives["kind"].isin(["sibling", "same_name_other_city"])]
    assert len(negatives) >= 10 and "sibling" in set(negatives["kind"])
    masters = resolution.crosswalk.merge(truth, on=["system", "source_id"]).groupby("true_customer_id")["master_id"]
    per_customer = masters.agg(set)
    merged = [(a, b) for a, b in zip(negatives["true_customer_id_a"], negatives["true_customer_id_b"])
              if per_customer.get(a, set()) & per_customer.get(b, set())]
    assert merged == []


def test_crosswalk_covers_every_record_once_with_stable_ids(resolved):
    records, resolution, _ = resolved
    crosswalk = resolution.crosswalk
    assert len(crosswalk) == len(records) and crosswalk["record_key"].is_unique
    assert set(crosswalk["record_key"]) == set(records["record_key"])
    assert set(crosswalk["master_id"]) == set(resolution.golden["master_id"])
    assert resolution.golden["master_id"].is_unique
    assert crosswalk["match_confidence"].between(0, 1).all()
    shuffled = resolve(records.sample(frac=1.0, random_state=5))
    again = shuffled.crosswalk.set_index("record_key")["master_id"]
    assert (crosswalk.set_index("record_key")["master_id"] == again.loc[crosswalk["record_key"]]).all()


def test_evidence_explains_each_merge(resolved):
    _, resolution, _ = resolved
    merged = resolution.crosswalk[resolution.crosswalk.duplicated("master_id", keep=False)]
    evidence = json.loads(merged["evidence"].iloc[0])
    partner = resolution.crosswalk.set_index("record_key").loc[evidence["matched_with"], "master_id"]
    assert partner == merged["master_id"].iloc[0]
    assert evidence["probability"] >= 0.99 and evidence["fields"]["name"]["level"]


COMPANY = {"system": "crm", "company": "Northwind Traders LLC", "country": "US"}


def test_same_name_in_another_city_is_not_merged():
    records = make_records([
        {**COMPANY, "source_id": "1", "city": "Springfield", "region": "IL", "postal_code": "62701",
         "street": "10 Main St", "phone": "217-555-0101"},
        {**COMPANY, "system": "billing", "source_id": "1", "city": "Springfield", "region": "MA",
         "postal_code": "01103", "street": "77 State St", "phone": "413-555-0199"}])
    result = resolve(records)
    assert result.crosswalk["master_id"].nunique() == 2


def test_sibling_companies_are_not_merged():
    shared = {"city": "Boston", "postal_code": "02110", "country": "US", "street": "1 Federal St"}
    records = make_records([
        {**shared, "system": "crm", "source_id": "1", "company": "Acme Holdings Inc.", "phone": "617-555-0100"},
        {**shared, "system": "crm", "source_id": "2", "company": "Acme Logistics Inc.", "phone": "617-555-0200"}])
    assert resolve(records).crosswalk["master_id"].nunique() == 2


def test_chain_of_one_shared_phone_does_not_join_distinct_branches():
    base = {"company": "Northwind Traders", "country": "US"}
    records = make_records([
        {**base, "system": "crm", "source_id": "A", "phone": "415-555-0100", "email": "ap@northwind.com",
         "street": "1 Market St", "city": "San Francisco", "postal_code": "94105"},
        {**base, "system": "billing", "source_id": "B", "phone": "415-555-0100", "email": "x@nw-east.com",
         "street": "500 Fifth Ave", "city": "New York", "postal_code": "10110"},
        {**base, "system": "stripe", "source_id": "C", "phone": "212-555-0999", "email": "y@nw-east.com",
         "street": "500 Fifth Ave", "city": "New York", "postal_code": "10110"}])
    result = resolve(records)
    assert cluster_of(result, "crm:A") != cluster_of(result, "stripe:C")
    assert cluster_of(result, "billing:B") == cluster_of(result, "stripe:C")


def test_review_queue_pairs_stay_apart(resolved):
    _, resolution, _ = resolved
    review, master = resolution.review, resolution.crosswalk.set_index("record_key")["master_id"]
    assert review["score"].between(0.5, 1).all()
    assert (master.loc[review["record_key_a"]].to_numpy() != master.loc[review["record_key_b"]].to_numpy()).all()
    assert set(review["reason"].str.split(":").str[0]) <= {"uncertain", "refused merge", "not merged"}


def test_same_name_and_email_in_two_places_goes_to_review():
    records = make_records([
        {"system": "crm", "source_id": "1", "company": "Harbor Light Imports", "email": "ap@harborlight.com",
         "phone": "206-555-0100", "street": "1 Pike St", "city": "Seattle", "postal_code": "98101", "country": "US"},
        {"system": "billing", "source_id": "2", "company": "Harbor Light Imports", "email": "ap@harborlight.com",
         "phone": "305-555-0199", "street": "9 Ocean Dr", "city": "Miami", "postal_code": "33139", "country": "USA"}])
    result = resolve(records)
    assert result.crosswalk["master_id"].nunique() == 2
    assert len(result.review) == 1


def test_borderline_pair_goes_to_review_not_merged():
    records = make_records([
        # a name with a typo, one country, nothing else to go on: a person should decide
        {"system": "crm", "source_id": "1", "company": "Bluepeak Analytics", "city": "Atlanta", "country": "US"},
        {"system": "stripe", "source_id": "9", "company": "Bluepaek Analytics Inc", "country": "US"}])
    result = resolve(records)
    assert result.crosswalk["master_id"].nunique() == 2
    row = result.review.iloc[0]
    assert {row["record_key_a"], row["record_key_b"]} == {"crm:1", "stripe:9"}
    assert 0.5 <= row["score"] < 0.99 and json.loads(row["evidence"])["fields"]["name"]["level"] == "close"


def _survivor_records():
    common = {"company": "Fabrikam Inc.", "email": "ap@fabrikam.com", "country": "US"}
    return make_records([
        {**common, "system": "stripe", "source_id": "s1", "phone": "+1 415 555 0111", "street": "9 Pine St",
         "city": "San Francisco", "postal_code": "94104", "email": "billing@fabrikam.com"},
        {**common, "system": "billing", "source_id": "b1", "phone": "415-555-0111", "street": "9 Pine Street",
         "city": "San Francisco", "postal_code": "94104", "email": "invoices@fabrikam.com"},
        {**common, "system": "crm", "source_id": "c1", "phone": "415-555-0122", "street": "9 PINE ST, SUITE 400",
         "city": "SAN FRANCISCO", "postal_code": "94104", "company": "FABRIKAM, INC", "email": None}])


def test_survivorship_takes_each_field_from_its_system_of_record():
    result = resolve(_survivor_records())
    assert result.crosswalk["master_id"].nunique() == 1
    golden = result.golden.iloc[0]
    sources = json.loads(golden["field_sources"])
    assert golden["email"] == "invoices@fabrikam.com" and sources["email"]["record"] == "billing:b1"
    assert golden["phone"] == "+14155550111" and sources["phone"]["record"] == "stripe:s1"
    assert sources["street"] == {"record": "crm:c1", "rule": "system_of_record"}
    assert golden["street"] == "9 Pine St Ste 400" and golden["city"] == "San Francisco"
    assert golden["company"] == "Fabrikam, Inc." and golden["records"] == 3
    assert golden["systems"] == "billing,crm,stripe"


def test_systems_of_record_are_configurable():
    config = ResolverConfig(systems_of_record={"email": ("stripe",), "address": ("billing",)})
    golden = resolve(_survivor_records(), config).golden.iloc[0]
    assert golden["email"] == "billing@fabrikam.com" and golden["street"] == "9 Pine St"


def test_persons_with_same_name_but_different_birth_dates_stay_apart():
    person = {"system": "hris", "full_name": "John Smith", "street": "12 Oak Ave", "city": "Dayton",
              "postal_code": "45402", "country": "US", "email": "smith.family@gmail.com"}
    records = make_records([{**person, "source_id": "1", "date_of_birth": "1961-04-02"},
                            {**person, "source_id": "2", "date_of_birth": "1989-11-20"},
                            {**person, "source_id": "3", "date_of_birth": "04/02/1961", "full_name": "SMITH, JOHN"}])
    result = resolve(records)
    assert cluster_of(result, "hris:1") == cluster_of(result, "hris:3") != cluster_of(result, "hris:2")


@pytest.mark.parametrize("spellings", [
    ["Jürgen Müller", "JÜRGEN MÜLLER", "Jurgen Muller"],
    ["Société Générale de Transports SA", "SOCIETE GENERALE DE TRANSPORTS", "Société Générale de Transports S.A."],
    ["Ōsaka Shōji K.K.", "Osaka Shoji KK", "ŌSAKA SHŌJI"],
])
def test_non_ascii_spellings_merge(spellings):
    records = make_records([{"system": f"s{i}", "source_id": "1", "company": name, "phone": "+33 1 42 68 53 00",
                             "country": "FR"} for i, name in enumerate(spellings)])
    assert resolve(records).crosswalk["master_id"].nunique() == 1


def test_blank_records_stay_alone_and_are_still_in_the_crosswalk():
    records = make_records([{"system": "crm", "source_id": "1"}, {"system": "crm", "source_id": "2", "company": " "},
                            {"system": "crm", "source_id": "3", "company": "N/A", "email": ""}])
    result = resolve(records)
    assert len(result.crosswalk) == 3 and result.crosswalk["master_id"].nunique() == 3
    assert result.review.empty and len(result.golden) == 3


def test_survivorship_falls_back_to_most_recent_then_most_frequent():
    rows = [{"system": "shop", "source_id": str(i), "company": "Tailspin Toys", "phone": "+1 206 555 0100",
             "email": email, "updated_at": when}
            for i, (email, when) in enumerate([("old@tailspin.com", "2021-01-01"), ("new@tailspin.com", "2024-06-30"),
                                                ("mid@tailspin.com", "2023-03-03")])]
    records = make_records(rows)
    records["updated_at"] = pd.to_datetime(records["updated_at"], utc=True)
    golden = resolve(records).golden.iloc[0]
    assert golden["email"] == "new@tailspin.com"
    assert json.loads(golden["field_sources"])["email"] == {"record": "shop:1", "rule": "most_recent"}
    undated = make_records([{**row, "email": email} for row, email in
                            zip(rows, ["a@tailspin.com", "b@tailspin.com", "b@tailspin.com"])]).drop(columns="updated_at")
    golden = resolve(undated).golden.iloc[0]
    assert golden["email"] == "b@tailspin.com"
    assert json.loads(golden["field_sources"])["email"]["rule"] == "most_frequent"


def test_golden_record_of_a_person_has_no_company(resolved):
    records, resolution, truth = resolved
    persons = truth.loc[truth["is_b2c"].str.lower() == "true", ["system", "source_id"]]
    masters = resolution.crosswalk.merge(persons, on=["system", "source_id"])["master_id"].unique()
    golden = resolution.golden.set_index("master_id").loc[masters]
    assert golden["full_name"].notna().mean() > 0.95
    assert golden["company"].isna().mean() > 0.95
