"""Words of the trade that the services, the command line and the window share."""

from __future__ import annotations

from enum import StrEnum

from factor_desk.domain.text import excerpt


class InvoicingMethod(StrEnum):
    FACTORING = "Factoring"
    DIRECT = "Direct"

    @classmethod
    def parse(cls, text: str) -> InvoicingMethod:
        key = "".join(text.lower().split())
        if key in ("factoring", "factor", "factored"):
            return cls.FACTORING
        if key in ("direct", "directbilling", "direct-billing", "invoice", "directinvoice"):
            return cls.DIRECT
        raise ValueError(f"expected Factoring or Direct, found {text!r}")


class DocumentKind(StrEnum):
    """Supporting documents, in the order they follow the invoice in a packet."""

    RATE_CONFIRMATION = "rate_confirmation"
    BOL = "bol"
    POD = "pod"
    LUMPER = "lumper"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _DOC_LABELS[self]

    @staticmethod
    def packet_position(kind: str) -> int:
        """Where a document of ``kind`` (a DocumentKind or its value) goes in a packet:
        the key to sort documents by, everywhere they are listed or merged."""
        return _DOC_POSITIONS[kind]

    @classmethod
    def parse(cls, text: str) -> DocumentKind:
        key = text.strip().lower().replace(" ", "_").replace("-", "_")
        aliases = {"ratecon": "rate_confirmation", "rate_con": "rate_confirmation",
                   "proof_of_delivery": "pod", "bill_of_lading": "bol",
                   "lumper_receipt": "lumper"}
        key = aliases.get(key, key)
        try:
            return cls(key)
        except ValueError:
            raise ValueError(
                f"expected one of {', '.join(k.value for k in cls)}, found {excerpt(text)}"
            ) from None


_DOC_POSITIONS: dict[str, int] = {k.value: i for i, k in enumerate(DocumentKind)}

_DOC_LABELS = {
    DocumentKind.RATE_CONFIRMATION: "Rate confirmation",
    DocumentKind.BOL: "Bill of lading",
    DocumentKind.POD: "Proof of delivery",
    DocumentKind.LUMPER: "Lumper receipt",
    DocumentKind.OTHER: "Other",
}

# A signed bill of lading is the proof of delivery in most of the trade: either satisfies a
# requirement for a POD.
SATISFIES: dict[DocumentKind, frozenset[DocumentKind]] = {
    DocumentKind.POD: frozenset({DocumentKind.POD, DocumentKind.BOL}),
}

DEFAULT_REQUIRED_DOCUMENTS: tuple[DocumentKind, ...] = (
    DocumentKind.RATE_CONFIRMATION,
    DocumentKind.POD,
)


def missing_documents(
    required: list[DocumentKind] | tuple[DocumentKind, ...], present: set[str] | frozenset[str]
) -> list[DocumentKind]:
    """The required kinds that the present document kinds do not satisfy."""
    return [
        kind for kind in required
        if not (SATISFIES.get(kind, frozenset({kind})) & {DocumentKind(p) for p in present})
    ]


class InfoKind(StrEnum):
    """Kinds of important info in a subsidiary's document configuration."""

    NOTICE_OF_ASSIGNMENT = "notice_of_assignment"
    PAYMENT_INSTRUCTIONS = "payment_instructions"
    INVOICE_FOOTER = "invoice_footer"
    TERMS_AND_CONDITIONS = "terms_and_conditions"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title().replace(" Of ", " of ").replace(
            " And ", " and "
        )

    @classmethod
    def parse(cls, text: str) -> InfoKind:
        key = text.strip().lower().replace(" ", "_").replace("-", "_")
        if key == "noa":
            return cls.NOTICE_OF_ASSIGNMENT
        try:
            return cls(key)
        except ValueError:
            raise ValueError(
                f"expected one of {', '.join(k.label for k in cls)}, found {excerpt(text)}"
            ) from None


class Integration(StrEnum):
    """How a factoring company takes a batch (issue #14): ``non_api``, the clerk sends the
    files by hand (or uploads them to the factor's portal); ``email``, the batch is emailed
    to the factor's address (services/sending.py)."""

    NON_API = "non_api"
    EMAIL = "email"

    @property
    def label(self) -> str:
        return _INTEGRATION_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> Integration:
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        aliases = {"nonapi": "non_api", "manual": "non_api", "by_hand": "non_api",
                   "files": "non_api", "mail": "email", "e_mail": "email"}
        try:
            return cls(aliases.get(key, key))
        except ValueError:
            raise ValueError(f"expected non_api (files sent by hand) or email (the batch is "
                             f"emailed), found {excerpt(text)}") from None


_INTEGRATION_LABELS = {
    Integration.NON_API: "Files sent by hand",
    Integration.EMAIL: "Batch emailed to the factor",
}
