"""Request schemas of the multitenancy routes (contract, multitenancy §2–§5)."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, validates_schema

from core_app.errors import BadRequest
from core_app.inputs import (
    JsonArray,
    JsonBoolean,
    JsonObject,
    JsonString,
    RequestSchema,
    empty_string,
)
from core_app.tenancy.store import ID_LENGTH
from core_app.tenant_prefix import RESERVED_TENANT_IDS

_ID_CHARACTERS = re.compile(r"^[a-z0-9-]+$")
_FACTOR_ID = re.compile(r"^[0-9a-zA-Z_().-]+$")
_REMOVED_INPUTS = (
    ("emailPasswordEnabled", "emailPasswordEnabled is not a valid input for this API"),
    ("thirdPartyEnabled", "thirdParty is not a valid input for this API"),
    ("passwordlessEnabled", "passwordless is not a valid input for this API"),
)


def _check_app_id(value: str) -> None:
    if value == "":
        raise ValidationError("appId should not be an empty String")
    if value.startswith("appid-"):
        raise ValidationError("appId must not start with 'appid-'")
    if not _ID_CHARACTERS.match(value):
        raise ValidationError("appId can only contain letters, numbers and hyphens")


def _check_tenant_id(value: str) -> None:
    if value == "":
        raise ValidationError("tenantId should not be an empty String")
    if value in RESERVED_TENANT_IDS:
        raise ValidationError(f"Cannot use '{value}' as a tenantId")
    if value.startswith("appid-"):
        raise ValidationError("tenantId must not start with 'appid-'")
    if not _ID_CHARACTERS.match(value):
        raise ValidationError("tenantId can only contain letters, numbers and hyphens")


class FactorIds(JsonArray):
    """``firstFactors`` / ``requiredSecondaryFactors``: null, or distinct factor ids."""

    def __init__(self, name: str, **kwargs: Any):
        super().__init__(JsonString(), allow_none=True, validate=self._check, **kwargs)
        self.list_name = name

    def _check(self, value: list[str]) -> None:
        if len(set(value)) != len(value):
            raise ValidationError(f"{self.list_name} input should not contain duplicate values")
        if not all(_FACTOR_ID.match(item) for item in value):
            raise ValidationError(
                f"{self.list_name} should contain only 0-9,a-z,A-Z,_,.,- characters"
            )


class _WithoutRemovedInputs(RequestSchema):
    # Checked after the declared fields (the id first), as upstream does (multitenancy §2.1).
    @validates_schema(pass_original=True)
    def _refuse_v1_fields(self, data: dict[str, Any], original: dict[str, Any], **_: Any) -> None:
        for name, message in _REMOVED_INPUTS:
            if name in original:
                raise BadRequest(message)


class AppBody(_WithoutRemovedInputs):
    """PUT /recipe/multitenancy/app/v2."""

    appId = JsonString(
        trim=True, lower=True, load_default="public", max_length=ID_LENGTH, validate=_check_app_id
    )
    firstFactors = FactorIds("firstFactors")
    requiredSecondaryFactors = FactorIds("requiredSecondaryFactors")
    coreConfig = JsonObject()


class TenantBody(_WithoutRemovedInputs):
    """PUT /recipe/multitenancy/tenant/v2."""

    tenantId = JsonString(
        trim=True,
        lower=True,
        load_default="public",
        max_length=ID_LENGTH,
        validate=_check_tenant_id,
    )
    firstFactors = FactorIds("firstFactors")
    requiredSecondaryFactors = FactorIds("requiredSecondaryFactors")
    coreConfig = JsonObject()


class AppIdBody(RequestSchema):
    """POST /recipe/multitenancy/app/remove."""

    appId = JsonString(
        required=True, trim=True, lower=True, max_length=ID_LENGTH, validate=_check_app_id
    )


class TenantIdBody(RequestSchema):
    """POST /recipe/multitenancy/tenant/remove."""

    tenantId = JsonString(
        required=True, trim=True, lower=True, max_length=ID_LENGTH, validate=_check_tenant_id
    )


def _has_third_party_id(config: dict[str, Any]) -> None:
    # Part of the ``config`` field: checked before ``skipValidation`` (multitenancy §4.2).
    if not isinstance(config.get("thirdPartyId"), str):
        raise ValidationError("Field name 'thirdPartyId' is invalid in JSON input")


class ProviderBody(RequestSchema):
    """PUT /recipe/multitenancy/config/thirdparty."""

    config = JsonObject(required=True, validate=_has_third_party_id)
    skipValidation = JsonBoolean(load_default=False)


class ThirdPartyIdBody(RequestSchema):
    """POST /recipe/multitenancy/config/thirdparty/remove."""

    thirdPartyId = JsonString(required=True, trim=True)


def _not_empty_user_id(value: str) -> None:
    if value == "":
        # Upstream names the field 'userId' in this message.
        raise ValidationError(empty_string("userId"))


class TenantUserBody(RequestSchema):
    """POST /recipe/multitenancy/tenant/user and .../remove."""

    recipeUserId = JsonString(required=True, trim=True, validate=_not_empty_user_id)
