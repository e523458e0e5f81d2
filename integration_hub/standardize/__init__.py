"""Value standardization: vectorized cleaners for names, phones, e-mails, addresses, SKUs,
currencies, dates and money.

Every cleaner takes a pandas Series of raw values and returns a Series (or DataFrame) on the
same index, with NA where the input is blank or cannot be standardized. Work is done once
per distinct value, so repeated values (phones, countries, states) cost nothing extra.
"""
