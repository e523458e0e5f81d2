"""Salesforce Data Export files and Data Loader extracts read as the crm entities."""
from integration_hub.connectors.exports import ORIGIN, ROW
from integration_hub.connectors.extractors import extract_export
from integration_hub.mapping.systems import load_systems
from integration_hub.standardize.frame import clean_frame


def entity(name):
    crm = next(s for s in load_systems() if s.name == "crm")
    return next(e for e in crm.entities if e.name == name)


def write(tmp_path, name, text, *, bom=False, crlf=True):
    folder = tmp_path / "crm"
    folder.mkdir(exist_ok=True)
    path = folder / name
    data = text.replace("\n", "\r\n") if crlf else text
    path.write_bytes((("\ufeff" if bom else "") + data).encode())
    return path


# A Data Export Account.csv: every field of the object, most of which the hub does not declare.
DATA_EXPORT_ACCOUNTS = (
    "Id,IsDeleted,MasterRecordId,Name,Type,ParentId,BillingStreet,BillingCity,BillingState,BillingPostalCode,"
    "BillingCountry,BillingLatitude,ShippingStreet,Phone,Fax,AccountNumber,Website,Sic,Industry,AnnualRevenue,"
    "NumberOfEmployees,OwnerId,CreatedDate,CreatedById,LastModifiedDate,LastModifiedById,SystemModstamp,"
    "LastActivityDate,Jigsaw,AccountSource,SicDesc\n"
    "001A000001,false,,Northwind Holdings Inc,Customer,,\"1 Market St\nFloor 2\",San Francisco,CA,94105,US,,,"
    "+1 415 555 0100,,,,,Retail,,120,005A,2025-03-01T12:00:00.000Z,005A,2025-03-01T12:00:00.000Z,005A,"
    "2025-03-01T12:00:00.000Z,,,Web,\n"
    "001A000002,false,,Blue Harbor Trading LLC,Customer,001A000001,77 Pier Rd,Seattle,WA,98101,US,,,"
    "+1 206 555 0177,,,,,Retail,,8,005A,2025-03-02T08:15:00.000Z,005A,2025-03-02T08:15:00.000Z,005A,"
    "2025-03-02T08:15:00.000Z,,,Web,\n")


def test_a_data_export_object_file_is_found_by_its_api_name_and_its_extra_fields_ignored(tmp_path):
    path = write(tmp_path, "Account.csv", DATA_EXPORT_ACCOUNTS, bom=True)
    extraction = extract_export(tmp_path, entity("accounts"))
    frame = extraction.frame
    assert frame[["Id", "Name", "ParentId"]].values.tolist() == [
        ["001A000001", "Northwind Holdings Inc", ""], ["001A000002", "Blue Harbor Trading LLC", "001A000001"]]
    assert frame[ROW].tolist() == [1, 2] and set(frame[ORIGIN]) == {str(path)} and extraction.origin == str(path)
    result = clean_frame(frame, entity("accounts"))
    assert result.rejects.empty
    assert str(result.cleaned["CreatedDate"].iloc[0]) == "2025-03-01 12:00:00+00:00"
    assert list(result.cleaned.columns) == [c.column for c in entity("accounts").columns] + [ROW]


def test_a_data_loader_extract_with_upper_case_headers_matches_the_declared_names(tmp_path):
    write(tmp_path, "extract.csv", "unused\n")           # a user's other file is not mistaken for the entity
    write(tmp_path, "ACCOUNT.CSV", (
        '"ID","NAME","PARENTID","TYPE","INDUSTRY","BILLINGCOUNTRY","PHONE","WEBSITE","BILLINGSTREET",'
        '"BILLINGCITY","BILLINGSTATE","BILLINGPOSTALCODE","ANNUALREVENUE","CREATEDDATE","LASTMODIFIEDDATE",'
        '"SYSTEMMODSTAMP","OWNER.NAME"\n'
        '"001A000003","Cedar Point Retail Corp","001A000002","Customer","Retail","US","+1 303 555 0109","",'
        '"9 Elm Ave","Denver","CO","80202","","2025-03-01T12:00:00.000Z","2025-03-01T12:00:00.000Z",'
        '"2025-03-01T12:00:00.000Z","Ada"\n'))
    frame = extract_export(tmp_path, entity("accounts")).frame
    assert frame[["Id", "Name", "ParentId", "SystemModstamp"]].values.tolist() == [
        ["001A000003", "Cedar Point Retail Corp", "001A000002", "2025-03-01T12:00:00.000Z"]]
    assert "OWNER.NAME" in frame and clean_frame(frame, entity("accounts")).rejects.empty


def test_a_malformed_row_is_quarantined_under_the_files_own_id_spelling(tmp_path):
    path = write(tmp_path, "order_items.csv", (
        "ID,ORDERID,PRODUCT2ID,ORDERITEMNUMBER,QUANTITY,CURRENCYISOCODE,UNITPRICE,TOTALPRICE,DESCRIPTION,"
        "CREATEDDATE,SYSTEMMODSTAMP\n"
        "802A,801A,01tA,1,2,USD,10.00,20.00,,2025-03-01T12:00:00.000Z,2025-03-01T12:00:00.000Z\n"
        "802B,801A,01tB,2,1,USD,4.00,4.00,,2025-03-01T12:00:00.000Z,2025-03-01T12:00:00.000Z,surplus\n"), crlf=False)
    extraction = extract_export(tmp_path, entity("order_items"))
    assert extraction.frame["Id"].tolist() == ["802A"]
    entry = extraction.quarantine().iloc[0]
    assert (entry.source_id, entry.row_number, entry.rule) == ("802B", 2, "row.field_count")
    assert entry.record["file"] == str(path) and entry.record["line"] == 3


def test_a_field_the_org_does_not_have_stays_missing_for_the_shape_gate_to_name(tmp_path):
    write(tmp_path, "Order.csv", (
        "Id,AccountId,OrderNumber,Status,EffectiveDate,CurrencyIsoCode,TotalAmount,Description,CreatedDate,"
        "SystemModstamp,IsDeleted\n"
        "801A,001C,00000100,Activated,2025-03-01,USD,26.00,,2025-03-01T12:00:00.000Z,2025-03-01T12:00:00.000Z,"
        "false\n"))
    frame = extract_export(tmp_path, entity("orders")).frame
    assert "Invoice_Number__c" not in frame and frame["OrderNumber"].tolist() == ["00000100"]


def test_the_hubs_own_file_is_read_as_it_is(tmp_path):
    path = write(tmp_path, "products.csv", (
        "Id,Name,ProductCode,StockKeepingUnit,Family,Description,IsActive,CreatedDate,SystemModstamp\n"
        "01tA,Widget,AB-1001,AB-1001,Hardware,,true,2025-03-01T12:00:00.000+0000,2025-03-01T12:00:00.000+0000\n"))
    write(tmp_path, "Product2.csv", "Id,Name\n01tZ,Other\n")
    extraction = extract_export(tmp_path, entity("products"))
    assert extraction.frame["Id"].tolist() == ["01tA"] and extraction.origin == str(path)
