"""Redaction: secrets and sensitive numbers removed from text before it is logged or stored.

What goes: exact secret values (passed in, or registered process-wide by the connectors with
the API keys they use), bearer/basic credentials, Stripe secret and restricted keys,
passwords and tokens in URLs and query strings, the credential shapes of security.credentials (AWS,
GitHub, Slack, JWTs, private keys), SSNs (ddd-dd-dddd always; the spaced and labelled shapes of
security.ssn), EINs (dd-ddddddd), IBANs (mod-97 valid),
card numbers (Luhn), and runs of 9 or more digits (account, routing and tax numbers; 9 digits
is an SSN without dashes). Long digit runs keep their last four, so an operator can still
tell accounts apart. Over-redacting a large count or an epoch timestamp is the price of
never printing an account number.
"""
from __future__ import annotations

import functools
import logging
import re
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from integration_hub.security.accounts import iban_valid
from integration_hub.security.cards import mask_card_text
from integration_hub.security.credentials import CREDENTIAL_NAME, REDACTED, mask_secret_text
from integration_hub.security.ssn import mask_ssn_text

MIN_SECRET_LENGTH = 6

_registry: set[str] = set()
_registry_lock = threading.Lock()
_registry_pattern: re.Pattern | None = None

_CREDENTIAL_NAME = CREDENTIAL_NAME     # a field or parameter name ending in a credential word
# Environment variables holding credentials (STRIPE_API_KEY, NETSUITE_TOKEN_SECRET, NETSUITE_CONSUMER_KEY,
# ACUMATICA_PASSWORD, IH_ENCRYPTION_KEYS...): their values are redacted like registered secrets.
_SECRET_ENV = re.compile(r"(?i)(?:^|_)(?:API_?KEY|SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|CONSUMER_KEY|ACCESS_KEY|"
                         r"PRIVATE_KEY|CREDENTIALS?|ENCRYPTION_KEYS?)(?:_|$)")
_env_seen: dict[str, str] = {}

_PATTERNS: tuple[tuple[re.Pattern, Any], ...] = (
    (re.compile(r"(?i)\b(authorization|proxy-authorization|x-api-key|api-key|cookie)(['\"]?\s*[:=]\s*['\"]?)"
                r"[^'\"\r\n,}]+"), rf"\1\2{REDACTED}"),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*"), rf"\1{REDACTED}"),
    (re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]+"), REDACTED),
    (re.compile(r"\bwhsec_[A-Za-z0-9]+"), REDACTED),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+):[^/\s@]+@"), rf"\1:{REDACTED}@"),
    # A quoted credential field ("session_token": "..."), then any credential assignment (token=...,
    # x-auth-token: ..., token_secret=...): the name ends in a credential word, whatever prefixes it.
    (re.compile(rf"(?i)(['\"]{_CREDENTIAL_NAME}['\"]\s*:\s*['\"])(?!\[REDACTED\])[^'\"]*"), rf"\1{REDACTED}"),
    (re.compile(rf"(?i)((?<![\w-]){_CREDENTIAL_NAME}['\"]?\s*[:=]\s*['\"]?)(?!\[REDACTED\])[^\s&#\"',;)}}\]]+"),
     rf"\1{REDACTED}"),
)
_NUMBER_PATTERNS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)"), "[SSN]"),
    (re.compile(r"(?<![\d-])\d{2}-\d{7}(?![\d-])"), "[EIN]"),
)
# A UUID (a Dagster run id, a vendor's record id) is an identifier, never an account number, but
# its hex groups can read as one (...-9b84-7985871ac165 holds an EIN shape, a last group of 12
# digits a long digit run): the number rules skip UUIDs, so audit details keep the run they name.
_UUID = re.compile(r"(?i)(?<![0-9a-z-])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-z-])")
_IBAN = re.compile(r"(?i)\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)\b")
_DIGIT_RUN = re.compile(r"(?<![A-Za-z0-9_])\d{9,}(?![A-Za-z0-9_])")
_SENSITIVE_KEY = re.compile(
    r"(?i)(^|[_\-\s.])(pass(word|wd)?|secret|token|api[_-]?key|apikey|authorization|auth|cookie|credentials?|"
    r"private[_-]?key|ssn|tax[_-]?id|tin|ein|account[_-]?(number|no)|routing[_-]?(number|no)?|iban|"
    r"card[_-]?number|cvv|cvc)($|[_\-\s.])")


def register_secret(value: str | None) -> None:
    """Redact `value` everywhere from now on in this process (connectors call this with their API keys)."""
    global _registry_pattern
    if not value:
        return
    if len(value) < MIN_SECRET_LENGTH:
        raise ValueError(f"a secret of {len(value)} characters is too short to redact safely "
                         f"(minimum {MIN_SECRET_LENGTH}): it would blank ordinary words")
    with _registry_lock:
        if value not in _registry:
            _registry.add(value)
            _registry_pattern = _literal_pattern(_registry)


def register_env_secrets(environ: Mapping[str, str] | None = None) -> int:
    """Register the value of every credential variable of `environ` (os.environ by default), and of each
    item of a list value ("kid:key,kid:key"); returns how many variables hold one. Values too short to redact
    safely are skipped. Cheap when nothing changed, so it runs before each redaction pass."""
    import os

    env = os.environ if environ is None else environ
    held = 0
    for name, value in env.items():
        if not value or not _SECRET_ENV.search(name):
            continue
        held += 1
        if _env_seen.get(name) == value:
            continue
        _env_seen[name] = value
        pieces = {value, *re.split(r"[,;\s]+", value)}
        pieces |= {p.rsplit(":", 1)[-1] for p in list(pieces)}
        for piece in pieces:
            if len(piece) >= MIN_SECRET_LENGTH:
                register_secret(piece)
    return held


def registered_secret_count() -> int:
    return len(_registry)


def redact_registered(text: str) -> str:
    """`text` with only the registered secrets replaced (for data, where redact_text's digit rules over-reach)."""
    pattern = _registry_pattern
    return text if pattern is None or not text else pattern.sub(REDACTED, text)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with known secrets (registered, passed in, or in a credential variable of the environment),
    credentials and sensitive numbers replaced."""
    if not text:
        return text
    register_env_secrets()
    return _redact_text(str(text), secrets)


def _redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    extra = [s for s in secrets if s]
    if extra:
        text = _literal_pattern(extra).sub(REDACTED, text)
    text, _ = mask_secret_text(redact_registered(text))
    for regex, replacement in _PATTERNS:
        text = regex.sub(replacement, text)
    pieces, start = [], 0
    for uuid in _UUID.finditer(text):
        pieces += [_redact_numbers(text[start:uuid.start()]), uuid.group()]
        start = uuid.end()
    return "".join([*pieces, _redact_numbers(text[start:])])


def _redact_numbers(text: str) -> str:
    """SSNs, EINs, IBANs, card numbers and long digit runs of `text` masked."""
    if not text:
        return text
    for regex, replacement in _NUMBER_PATTERNS:
        text = regex.sub(replacement, text)
    text, _ = mask_ssn_text(text)
    text = _IBAN.sub(_mask_iban, text)
    text, _ = mask_card_text(text)
    return _DIGIT_RUN.sub(lambda m: f"[number ****{m.group()[-4:]}]", text)


def redact_mapping(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of `value` (dicts, lists, scalars, nested) with sensitive keys blanked and all text redacted."""
    register_env_secrets()
    return _redact_mapping(value, tuple(secrets))


def _redact_mapping(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, Mapping):
        return {k: REDACTED if isinstance(k, str) and _SENSITIVE_KEY.search(k) and not _blank(v)
                else _redact_mapping(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_redact_mapping(v, secrets) for v in value]
        return type(value)(items) if type(value) in (tuple, set, frozenset) else items
    if isinstance(value, str):
        return _redact_text(value, secrets) if value else value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**8:
        redacted = _redact_text(str(value), secrets)
        return value if redacted == str(value) else redacted
    return value


class RedactingFilter(logging.Filter):
    """Redacts each record's message, arguments, traceback and stack in place; never drops a record.

    A filter on a logger only sees records logged on that very logger, not those propagated
    from its children, so `install_redaction` also puts it on the handlers and wraps the
    record factory, which every logger (Dagster's per-run log managers included) goes through.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    if getattr(record, "_ih_redacted", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a broken format string still must not leak its arguments
        message = f"{record.msg} {record.args!r}"
    record.msg, record.args = redact_text(message), ()
    if record.exc_info:
        # The exception object itself may carry secrets in its args; keep only redacted text.
        text = record.exc_text or "".join(traceback.format_exception(*record.exc_info))
        record.exc_text, record.exc_info = redact_text(text.rstrip("\n")), None
    elif record.exc_text:
        record.exc_text = redact_text(record.exc_text)
    if record.stack_info:
        record.stack_info = redact_text(record.stack_info)
    record._ih_redacted = True
    return record


def install_redaction(logger_names: Iterable[str] = ("", "dagster")) -> RedactingFilter:
    """Redact every log record of this process: filter on the named loggers and their handlers, and
    a record factory wrapper for everything else. Idempotent."""
    register_env_secrets()
    redacting = RedactingFilter()
    for name in logger_names:
        logger = logging.getLogger(name)
        for target in (logger, *logger.handlers):
            if not any(isinstance(f, RedactingFilter) for f in target.filters):
                target.addFilter(redacting)
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "_ih_redacting", False):
        def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return redact_record(factory(*args, **kwargs))
        redacting_factory._ih_redacting = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(redacting_factory)
    return redacting


class RedactedError(Exception):
    """An exception whose text was redacted; raised in place of the original, keeping its traceback."""


def redacting_errors(passthrough: tuple[type[BaseException], ...] = ()) -> Callable:
    """Decorator: exceptions leave the function with redacted text.

    Orchestrators store an exception's message in their event log as structured data, past
    any logging filter. The original is replaced (its type name kept in the message, its
    traceback frames kept: they hold code, not values) and its context suppressed, so the
    unredacted text is stored nowhere. `passthrough` types (the orchestrator's own control-flow
    exceptions) are re-raised untouched.
    """
    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except passthrough:
                raise
            except Exception as exc:
                redacted = RedactedError(f"{type(exc).__name__}: {redact_text(str(exc))}")
                raise redacted.with_traceback(exc.__traceback__) from None
        return wrapper
    return decorate


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _literal_pattern(values: Iterable[str]) -> re.Pattern:
    # Longest first, so a secret that contains another is removed whole.
    return re.compile("|".join(re.escape(v) for v in sorted(set(values), key=len, reverse=True)))


def _mask_iban(match: re.Match) -> str:
    iban = match.group(1).replace(" ", "")
    return f"[iban ****{iban[-4:]}]" if iban_valid(iban) else match.group()
