import pandas as pd
import pytest

from integration_hub.standardize.emails import email


@pytest.mark.parametrize("raw, expected", [
    ("john.doe@example.com", "john.doe@example.com"),
    ("  John.Doe@Example.COM  ", "john.doe@example.com"),
    ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
    ("mailto:sales@acme.com", "sales@acme.com"),
    ("Jane Doe <jane@acme.com>", "jane@acme.com"),
    ("o'brien@acme.ie", "o'brien@acme.ie"),
    ("jürgen@müller.de", "jürgen@müller.de"),
    ("user@xn--mller-kva.de", "user@müller.de"),      # punycode domain shown in Unicode
    ("plainaddress", None),
    ("@no-local-part.com", None),
    ("bad@", None),
    ("two@@at.com", None),
    ("john doe@acme.com", None),
    ("john..doe@acme.com", None),
    ("a@b.test", None),                                # reserved domain
    ("user@localhost", None),
    ("a@x.com; b@y.com", None),                        # several addresses are no address
    ("N/A", None),
])
def test_email(raw, expected):
    out = email(pd.Series([raw])).iloc[0]
    assert (pd.isna(out) if expected is None else out == expected)
