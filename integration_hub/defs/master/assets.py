"""Master data: one golden customer per real customer, one golden item per real product and one golden
vendor per real supplier across systems, and the crosswalk to every source id."""
import json

import dagster as dg
import pandas as pd

from integration_hub.audit.crosswalk import load_crosswalk, save_crosswalk
from integration_hub.canonical import registry
from integration_hub.config import settings
from integration_hub.defs.factory import asset_key
from integration_hub.defs.metadata import preview
from integration_hub.defs.master.vendor_keys import identifier_hashes, sensitive_identifiers, with_identifier_hashes
from integration_hub.defs.resources import HubStoreResource, SecurityResource
from integration_hub.governance.master_data import item_precedence, resolver_config
from integration_hub.resolve.continuity import keep_master_ids
from integration_hub.resolve.items import resolve_items
from integration_hub.resolve.master import resolve_customers
from integration_hub.resolve.vendors import resolve_vendors
from integration_hub.security.csv_cells import write_csv
from integration_hub.standardize.frame import ROW

MASTER_CUSTOMERS = dg.AssetKey(["master", "customers"])
CUSTOMER_CROSSWALK = dg.AssetKey(["master", "customer_crosswalk"])
MASTER_ITEMS = dg.AssetKey(["master", "items"])
ITEM_CROSSWALK = dg.AssetKey(["master", "item_crosswalk"])
MASTER_VENDORS = dg.AssetKey(["master", "vendors"])
VENDOR_CROSSWALK = dg.AssetKey(["master", "vendor_crosswalk"])
# Mastered entity -> (golden records, crosswalk)
MASTERS = {"customer": (MASTER_CUSTOMERS, CUSTOMER_CROSSWALK), "item": (MASTER_ITEMS, ITEM_CROSSWALK),
           "vendor": (MASTER_VENDORS, VENDOR_CROSSWALK)}


def build_master_defs(feeds) -> list:
    """`feeds`: the customer feeds (defs.erp.assets.Feed) of every system that loads the ERP."""
    ins = {f.input_name: dg.AssetIn(key=asset_key(f.entity, "mapped")) for f in feeds}
    entity_of = {f.entity.system: f.entity.name for f in feeds}

    @dg.multi_asset(
        name="master_customers", ins=ins, group_name="master", can_subset=False,
        outs={"customers": dg.AssetOut(key=MASTER_CUSTOMERS, kinds={"pandas"}, description=(
                  "One golden customer per real customer, each field from its system of record.")),
              "customer_crosswalk": dg.AssetOut(key=CUSTOMER_CROSSWALK, kinds={"pandas"}, description=(
                  "Every source customer id -> master id, with match confidence and the evidence."))})
    def master_customers(context: dg.AssetExecutionContext, hub: HubStoreResource, **mapped):
        columns = list(registry.get("customer").all_columns)
        sources = pd.concat([m for m in mapped.values() if len(m)], ignore_index=True)
        result = resolve_customers(sources[columns], resolver_config("customers"))
        yield from _golden_outputs(context, hub.store(), "customer", result, sources, entity_of, columns, {
            "resolver_model": dg.MetadataValue.json(result.stats["model"])})

    return [master_customers, _one_record_per_master_check(MASTER_CUSTOMERS, CUSTOMER_CROSSWALK),
            *[_crosswalk_covers(f, CUSTOMER_CROSSWALK) for f in feeds]]


def _golden_outputs(context, store, entity: str, result, sources: pd.DataFrame, entity_of: dict[str, str],
                    columns: list[str], extra: dict):
    """The golden records and crosswalk outputs of a resolved entity (customers, vendors): earlier runs'
    masters kept, the crosswalk recorded, the review queue written."""
    kept, golden = keep_master_ids(result.crosswalk, result.golden, load_crosswalk(store.engine))
    crosswalk = _record_crosswalk(store, context.run.run_id, kept, sources, entity_of)
    review_path = settings().reports_dir / f"master_{entity}_review.csv"
    review_path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(result.review, review_path, index=False)
    stats = {k: v for k, v in result.stats.items() if isinstance(v, (int, float))}
    yield dg.Output(golden, registry.get(entity).plural, metadata={
        "dagster/row_count": len(golden), "source_records": len(sources),
        "merged": int((~crosswalk["representative"]).sum()), "sent_to_review": len(result.review),
        "review_queue": dg.MetadataValue.path(str(review_path)), "resolver": dg.MetadataValue.json(stats),
        **extra, "preview": preview(golden[columns] if len(golden) else golden)})
    yield dg.Output(crosswalk, f"{entity}_crosswalk", metadata={
        "dagster/row_count": len(crosswalk), "masters": int(crosswalk["master_id"].nunique()),
        "preview": preview(crosswalk.drop(columns=["evidence"]))})


def _one_record_per_master_check(golden_key: dg.AssetKey, crosswalk_key: dg.AssetKey):
    @dg.asset_check(asset=golden_key, name="one_record_per_master", blocking=True,
                    description="Master ids are unique and every master has exactly one representative source record.",
                    additional_ins={"crosswalk": dg.AssetIn(key=crosswalk_key)})
    def unique_masters(golden: pd.DataFrame, crosswalk: pd.DataFrame) -> dg.AssetCheckResult:
        return _one_record_per_master(golden, crosswalk)

    return unique_masters


def _one_record_per_master(golden: pd.DataFrame, crosswalk: pd.DataFrame) -> dg.AssetCheckResult:
    duplicated = int(golden["external_id"].duplicated().sum())
    representatives = crosswalk.groupby("master_external_id")["representative"].sum()
    wrong = int((representatives != 1).sum()) + len(set(golden["external_id"]) ^ set(representatives.index))
    return dg.AssetCheckResult(passed=duplicated == 0 and wrong == 0, severity=dg.AssetCheckSeverity.ERROR,
                               metadata={"duplicate_master_ids": duplicated, "masters_without_one_representative": wrong})


def build_item_master_defs(feeds) -> list:
    """`feeds`: the item feeds of every system that loads the ERP."""
    ins = {f.input_name: dg.AssetIn(key=asset_key(f.entity, "mapped")) for f in feeds}
    entity_of = {f.entity.system: f.entity.name for f in feeds}

    @dg.multi_asset(
        name="master_items", ins=ins, group_name="master", can_subset=False,
        outs={"items": dg.AssetOut(key=MASTER_ITEMS, kinds={"pandas"}, description=(
                  "One golden item per real product, matched on its SKU, each field from its system of record.")),
              "item_crosswalk": dg.AssetOut(key=ITEM_CROSSWALK, kinds={"pandas"}, description=(
                  "Every source item id (and its SKU spelling) -> master item."))})
    def master_items(context: dg.AssetExecutionContext, hub: HubStoreResource, **mapped):
        frames = [m for m in mapped.values() if len(m)]
        sources = pd.concat(frames, ignore_index=True) if frames else \
            pd.DataFrame(columns=[*registry.get("item").all_columns, ROW])
        result = resolve_items(sources[list(registry.get("item").all_columns)], item_precedence())
        crosswalk = _record_crosswalk(hub.store(), context.run.run_id, result.crosswalk, sources, entity_of)
        yield dg.Output(result.golden, "items", metadata={
            "dagster/row_count": len(result.golden), "source_records": len(sources),
            "merged": int((~crosswalk["representative"]).sum()), "preview": preview(result.golden)})
        yield dg.Output(crosswalk, "item_crosswalk", metadata={
            "dagster/row_count": len(crosswalk), "masters": int(crosswalk["master_id"].nunique()),
            "preview": preview(crosswalk)})

    return [master_items, *[_crosswalk_covers(f, ITEM_CROSSWALK) for f in feeds]]


def _extracted_input(feed) -> str:
    return f"{feed.input_name}__extracted"


def build_vendor_master_defs(feeds) -> list:
    """`feeds`: the vendor feeds of every system that loads the ERP. A feed that sends tax ids or bank
    accounts (encrypted at extraction) is also read extracted, to compare them by keyed hash."""
    ins = {f.input_name: dg.AssetIn(key=asset_key(f.entity, "mapped")) for f in feeds}
    keyed = [f for f in feeds if sensitive_identifiers(f.entity)]
    ins.update({_extracted_input(f): dg.AssetIn(key=asset_key(f.entity, "extracted")) for f in keyed})
    entity_of = {f.entity.system: f.entity.name for f in feeds}
    columns = list(registry.get("vendor").all_columns)

    @dg.multi_asset(
        name="master_vendors", ins=ins, group_name="master", can_subset=False,
        outs={"vendors": dg.AssetOut(key=MASTER_VENDORS, kinds={"pandas"}, description=(
                  "One golden vendor per real supplier, each field from its system of record; tax ids and "
                  "bank accounts compared by keyed hash only, the ERP gets their masks.")),
              "vendor_crosswalk": dg.AssetOut(key=VENDOR_CROSSWALK, kinds={"pandas"}, description=(
                  "Every source vendor id -> master id, with match confidence and the evidence."))})
    def master_vendors(context: dg.AssetExecutionContext, hub: HubStoreResource, security: SecurityResource,
                       **inputs):
        keyring = security.keyring() if keyed else None
        frames = []
        for feed in feeds:
            mapped = inputs[feed.input_name]
            if feed in keyed and len(mapped):
                mapped = with_identifier_hashes(mapped, identifier_hashes(
                    feed.entity, inputs[_extracted_input(feed)], keyring))
            if len(mapped):
                frames.append(mapped)
        sources = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*columns, ROW])
        hashes = [c for c in sources.columns if c.endswith("_hash")]
        result = resolve_vendors(sources[columns + hashes], resolver_config("vendors"))
        yield from _golden_outputs(context, hub.store(), "vendor", result, sources, entity_of, columns, {
            "compared_by_keyed_hash": ", ".join(hashes) or "none"})

    return [master_vendors, _one_record_per_master_check(MASTER_VENDORS, VENDOR_CROSSWALK),
            *[_crosswalk_covers(f, VENDOR_CROSSWALK) for f in feeds]]


def _record_crosswalk(store, run_id: str, crosswalk: pd.DataFrame, sources: pd.DataFrame,
                      entity_of: dict[str, str]) -> pd.DataFrame:
    """Save the crosswalk in the hub store, with metrics per source and a merge entry per record
    folded into another (conservation counts those as merged); the crosswalk with source rows."""
    rows = sources.set_index("external_id")[ROW]
    crosswalk = crosswalk.assign(source_entity=crosswalk["source_system"].map(entity_of),
                                 row_number=rows.loc[crosswalk["source_external_id"]].to_numpy(),
                                 representative=crosswalk["representative"].astype(bool))
    merged = crosswalk[~crosswalk["representative"]]
    save_crosswalk(store.engine, crosswalk, run_id)
    for (system, entity), group in crosswalk.groupby(["source_system", "source_entity"]):
        n_merged = int((~group["representative"]).sum())
        store.record_metric(run_id, system, entity, "master", rows_in=len(group),
                            rows_out=len(group) - n_merged, merged=n_merged)
    for (system, entity), group in merged.groupby(["source_system", "source_entity"]):
        store.add_merges(run_id, system, entity, pd.DataFrame({
            "source_id": group["source_id"], "row_number": group["row_number"],
            "merged_into": group["master_external_id"],
            "reason": [f"resolved into {m} (confidence {c:.3f}): {e}" for m, c, e in
                       zip(group["master_external_id"], group["match_confidence"], group["evidence"])]}))
    return crosswalk


def _crosswalk_covers(feed, crosswalk_key: dg.AssetKey):
    def covers(crosswalk: pd.DataFrame, mapped: pd.DataFrame) -> dg.AssetCheckResult:
        seen = crosswalk.loc[crosswalk["source_system"] == feed.entity.system, "source_external_id"]
        missing = sorted(set(mapped["external_id"]) - set(seen))
        repeated = sorted(set(seen[seen.duplicated()]))
        return dg.AssetCheckResult(passed=not missing and not repeated, severity=dg.AssetCheckSeverity.ERROR,
                                   metadata={"source_records": len(mapped), "missing": len(missing),
                                             "repeated": len(repeated), "first_missing": json.dumps(missing[:5])})

    decorate = dg.asset_check(
        asset=crosswalk_key, name=f"crosswalk_covers_{feed.input_name}", blocking=True,
        description=f"Every mapped {feed.entity.system}/{feed.entity.name} record appears in the crosswalk exactly once.",
        additional_ins={"mapped": dg.AssetIn(key=asset_key(feed.entity, "mapped"))})
    # Dagster passes the checked asset by its key's name, so each crosswalk gets its own signature.
    if crosswalk_key == CUSTOMER_CROSSWALK:
        return decorate(lambda customer_crosswalk, mapped: covers(customer_crosswalk, mapped))
    if crosswalk_key == VENDOR_CROSSWALK:
        return decorate(lambda vendor_crosswalk, mapped: covers(vendor_crosswalk, mapped))
    return decorate(lambda item_crosswalk, mapped: covers(item_crosswalk, mapped))
