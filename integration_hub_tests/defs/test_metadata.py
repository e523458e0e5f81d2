import pandas as pd

from integration_hub.defs.metadata import preview


def test_preview_masks_ssns_and_credentials_the_frame_still_holds():
    frame = pd.DataFrame({"id": ["c1", "c2"], "address_line1": ["SSN 219-09-9999", "4404 Highland Dr"],
                          "note": ["key sk_live_51HxAbCdEfGh0123456789", None], "amount": [1250, 99]})
    shown = preview(frame).value
    assert "219-09-9999" not in shown and "sk_live_" not in shown
    assert "SSN [SSN]" in shown and "key [REDACTED]" in shown and "4404 Highland Dr" in shown and "1250" in shown
