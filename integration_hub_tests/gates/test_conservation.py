"""Conservation with rows rejected at extraction: they never reach the extracted frame, yet were extracted."""
import pandas as pd

from integration_hub.gates.conservation import account_rows


def test_rows_rejected_at_extraction_count_as_extracted_and_quarantined():
    # data rows 1..5 of the file; row 3 was malformed, so the extracted frame holds 1, 2, 4, 5
    result = account_rows(pd.Series([1, 2, 4, 5]), pd.Series([1, 2, 4]), pd.Series([3, 5]), pd.Series([], dtype=int),
                          rejected_at_extraction=pd.Series([3, None]))    # None: a header entry names no row
    assert result.holds, result.describe()
    assert (result.extracted, result.loaded, result.quarantined) == (5, 3, 2)


def test_without_them_the_malformed_row_breaks_the_count():
    result = account_rows(pd.Series([1, 2, 4, 5]), pd.Series([1, 2, 4]), pd.Series([3, 5]), pd.Series([], dtype=int))
    assert not result.holds


def test_a_row_rejected_at_extraction_cannot_also_be_in_the_extracted_frame():
    result = account_rows(pd.Series([1, 2, 3]), pd.Series([1, 2, 3]), pd.Series([3]), pd.Series([], dtype=int),
                          rejected_at_extraction=pd.Series([3]))
    assert not result.holds and result.double_counted == (3,)
