"""The Desk's door to factoring companies' profiles (issue #14): remit-to, email, default
NOA, integration; the subsidiary's factor and the CLI twins of the company profile.
``Desk`` (services/desk.py) inherits it."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from factor_desk.domain.trade import InfoKind, Integration
from factor_desk.services import company
from factor_desk.services import factor_profiles as profiles

if TYPE_CHECKING:
    from factor_desk.db.database import Database


class FactorsDoor:
    """Issue #14, through the Desk's database (owned by one helper; see BRIEF)."""

    db: Database

    def factor_profile(self, name: str) -> profiles.FactorProfile:
        """The factor named ``name`` (any case): remit-to, email, default NOA, integration,
        terms and the subsidiaries that factor with it."""
        with self.db.read() as work:
            return profiles.factor_profile(work, name)

    def add_factor(self, name: str, remit_to: str, email: str = "", *,
                   advance: Decimal | None = None, fee: str | None = None,
                   reserve: Decimal | None = None, recourse_days: int | None = None,
                   non_recourse: bool = False, default_noa: str = "",
                   integration: Integration | str = Integration.NON_API) -> profiles.FactorProfile:
        """A new factoring company; refused whole (a name taken in any case, no remit-to,
        an email that is not an address, terms that do not add up)."""
        with self.db.write() as work:
            return profiles.add_factor(work, name, remit_to, email, advance=advance, fee=fee,
                                       reserve=reserve, recourse_days=recourse_days,
                                       non_recourse=non_recourse, default_noa=default_noa,
                                       integration=integration)

    def set_factor(self, name: str, *, remit_to: str | None = None, email: str | None = None,
                   default_noa: str | None = None,
                   integration: Integration | str | None = None,
                   advance: Decimal | None = None, fee: str | None = None,
                   reserve: Decimal | None = None, recourse_days: int | None = None,
                   non_recourse: bool = False, version: int | None = None
                   ) -> profiles.FactorProfile:
        """Change what is given of a factor's profile and terms, in one transaction;
        refused (StaleEdit) when ``version``, the one the form showed, is not its own."""
        with self.db.write() as work:
            return profiles.set_factor(work, name, remit_to=remit_to, email=email,
                                       default_noa=default_noa, integration=integration,
                                       advance=advance, fee=fee, reserve=reserve,
                                       recourse_days=recourse_days, non_recourse=non_recourse,
                                       version=version)

    def set_subsidiary_factor(self, subsidiary: str, factor: str | None, *,
                              version: int | None = None) -> profiles.FactorChange:
        """The subsidiary factors with ``factor`` from now on (batches submitted keep
        theirs); ``warnings`` when its Notice of Assignment does not name it."""
        with self.db.write() as work:
            return profiles.set_subsidiary_factor(work, subsidiary, factor, version=version)

    @staticmethod
    def noa_warning(subsidiary: str, text: str | None, factor: str, remit_to: str
                    ) -> str | None:
        """What to check when a Notice of Assignment does not name the factor (name or
        first line of its remit-to); None when it does. Reads nothing: the NOA editor asks
        as the clerk types."""
        return profiles.noa_warning(subsidiary, text, factor, remit_to)

    def subsidiary_noa_warning(self, subsidiary: str, *, text: str | None = None,
                               factor: str | None = None) -> str | None:
        """``noa_warning`` for a subsidiary's saved NOA (or ``text``) against its factor
        (or ``factor``); None when it has no factor or the NOA names it."""
        with self.db.read() as work:
            return profiles.subsidiary_noa_warning(work, subsidiary, text=text, factor=factor)

    # --- the command line's twins of the Company profile

    def edit_subsidiary(self, subsidiary: str, *, method: str | None = None,
                        version: int | None = None, **general: str
                        ) -> company.SubsidiaryProfile:
        """Change the general info given (GENERAL_FIELDS) and the default invoicing
        method, all or nothing."""
        with self.db.write() as work:
            profile = company.update_subsidiary(work, subsidiary, version=version, **general)
            if method is not None:
                profile = company.set_default_invoicing_method(work, profile.name, method)
            return profile

    def remove_noa(self, subsidiary: str, *, version: int | None = None
                   ) -> company.SubsidiaryProfile:
        """Remove the subsidiary's Notice of Assignment (its batches are refused until a
        new one is saved)."""
        with self.db.write() as work:
            return company.remove_important_info(work, subsidiary,
                                                 InfoKind.NOTICE_OF_ASSIGNMENT, version=version)
