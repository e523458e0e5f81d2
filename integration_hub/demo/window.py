"""The fixed 12-month window every generated record falls in (never the wall clock)."""

import numpy as np

START = np.datetime64("2025-01-01T00:00:00", "s")
WINDOW_DAYS = 365
DAY = np.timedelta64(86400, "s")
END = START + WINDOW_DAYS * DAY  # exclusive: 2026-01-01 00:00:00


def day_index(ts: np.ndarray) -> np.ndarray:
    """Whole days since START (negative before the window)."""
    return (np.asarray(ts, dtype="datetime64[s]") - START) // DAY


def next_business_day(days: np.ndarray) -> np.ndarray:
    """Day index moved forward off Saturday/Sunday (2025-01-01 is a Wednesday)."""
    weekday = (days + 2) % 7  # 0 = Monday
    return days + np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))
