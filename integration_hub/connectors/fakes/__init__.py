"""Local HTTP fakes of vendor APIs, in their documented shapes, for tests and demos (127.0.0.1 only)."""
from integration_hub.connectors.fakes.billing_fake import BillingFake
from integration_hub.connectors.fakes.server import Fault, FakeServer, RecordedRequest, Reply
from integration_hub.connectors.fakes.stripe_fake import StripeFake

__all__ = ["BillingFake", "Fault", "FakeServer", "RecordedRequest", "Reply", "StripeFake"]
