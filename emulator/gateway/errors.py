"""API Gateway's own error answers: gateway response types and the exceptions that raise them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class _ResponseTypeInfo:
    status: int
    error_type: str
    default_4xx_or_5xx: str


class GatewayResponseType(Enum):
    """Gateway response types with their default status and ``x-amzn-ErrorType``."""

    MISSING_AUTHENTICATION_TOKEN = "MISSING_AUTHENTICATION_TOKEN"  # noqa: S105 - not a secret
    ACCESS_DENIED = "ACCESS_DENIED"
    INVALID_SIGNATURE = "INVALID_SIGNATURE"
    EXPIRED_TOKEN = "EXPIRED_TOKEN"  # noqa: S105 - not a secret
    BAD_REQUEST_PARAMETERS = "BAD_REQUEST_PARAMETERS"
    BAD_REQUEST_BODY = "BAD_REQUEST_BODY"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    THROTTLED = "THROTTLED"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    API_CONFIGURATION_ERROR = "API_CONFIGURATION_ERROR"
    INTEGRATION_FAILURE = "INTEGRATION_FAILURE"
    INTEGRATION_TIMEOUT = "INTEGRATION_TIMEOUT"
    DEFAULT_4XX = "DEFAULT_4XX"
    DEFAULT_5XX = "DEFAULT_5XX"

    @property
    def status(self) -> int:
        """The status API Gateway answers with when the type is not customised."""
        return _INFO[self.value].status

    @property
    def error_type(self) -> str:
        """The ``x-amzn-ErrorType`` header value."""
        return _INFO[self.value].error_type

    @property
    def fallback(self) -> str:
        """DEFAULT_4XX or DEFAULT_5XX, whose customisation applies when this one has none."""
        return _INFO[self.value].default_4xx_or_5xx


# Default status, x-amzn-ErrorType and the DEFAULT_* type each response type falls back to.
_INFO: dict[str, _ResponseTypeInfo] = {
    "MISSING_AUTHENTICATION_TOKEN": _ResponseTypeInfo(
        403, "MissingAuthenticationTokenException", "DEFAULT_4XX"
    ),
    "ACCESS_DENIED": _ResponseTypeInfo(403, "AccessDeniedException", "DEFAULT_4XX"),
    "INVALID_SIGNATURE": _ResponseTypeInfo(403, "InvalidSignatureException", "DEFAULT_4XX"),
    "EXPIRED_TOKEN": _ResponseTypeInfo(403, "ExpiredTokenException", "DEFAULT_4XX"),
    "BAD_REQUEST_PARAMETERS": _ResponseTypeInfo(400, "BadRequestException", "DEFAULT_4XX"),
    "BAD_REQUEST_BODY": _ResponseTypeInfo(400, "BadRequestException", "DEFAULT_4XX"),
    "UNSUPPORTED_MEDIA_TYPE": _ResponseTypeInfo(
        415, "UnsupportedMediaTypeException", "DEFAULT_4XX"
    ),
    "THROTTLED": _ResponseTypeInfo(429, "TooManyRequestsException", "DEFAULT_4XX"),
    "QUOTA_EXCEEDED": _ResponseTypeInfo(429, "LimitExceededException", "DEFAULT_4XX"),
    "REQUEST_TOO_LARGE": _ResponseTypeInfo(413, "RequestTooLargeException", "DEFAULT_4XX"),
    "API_CONFIGURATION_ERROR": _ResponseTypeInfo(
        500, "InternalServerErrorException", "DEFAULT_5XX"
    ),
    "INTEGRATION_FAILURE": _ResponseTypeInfo(504, "InternalServerErrorException", "DEFAULT_5XX"),
    "INTEGRATION_TIMEOUT": _ResponseTypeInfo(504, "InternalServerErrorException", "DEFAULT_5XX"),
    "DEFAULT_4XX": _ResponseTypeInfo(400, "BadRequestException", "DEFAULT_4XX"),
    "DEFAULT_5XX": _ResponseTypeInfo(500, "InternalServerErrorException", "DEFAULT_5XX"),
}


INTERNAL_SERVER_ERROR = "Internal server error"
REQUEST_TOO_LARGE_MESSAGE = "Request Too Long"


class GatewayError(Exception):
    """An answer API Gateway gives itself, rendered through the API's gateway responses."""

    def __init__(
        self,
        response_type: GatewayResponseType,
        message: str,
        *,
        validation_error: str = "",
        log_detail: str = "",
        error_type: str = "",
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.response_type = response_type
        self.message = message
        self.validation_error = validation_error
        # x-amzn-ErrorType when it differs from the response type's (e.g. an incomplete signature).
        self.error_type = error_type or response_type.error_type
        # The status when it is not the type's default (HTTP-level errors answered as DEFAULT_4XX).
        self.status = status if status is not None else response_type.status
        # What API Gateway's execution log would say; never sent to the client.
        self.log_detail = log_detail


def missing_authentication_token() -> GatewayError:
    """No resource/method matches: 403 Missing Authentication Token."""
    return GatewayError(
        GatewayResponseType.MISSING_AUTHENTICATION_TOKEN, "Missing Authentication Token"
    )


def configuration_error(detail: str) -> GatewayError:
    """'Execution failed due to configuration error': 500 Internal server error."""
    return GatewayError(
        GatewayResponseType.API_CONFIGURATION_ERROR,
        INTERNAL_SERVER_ERROR,
        log_detail=f"Execution failed due to configuration error: {detail}",
    )


def internal_error(detail: str) -> GatewayError:
    """An unexpected failure inside the gateway: 500 Internal server error."""
    return GatewayError(GatewayResponseType.DEFAULT_5XX, INTERNAL_SERVER_ERROR, log_detail=detail)


def request_too_large() -> GatewayError:
    """A payload over API Gateway's 10 MB quota: 413, a response API Gateway does not let an API
    customise."""
    return GatewayError(GatewayResponseType.REQUEST_TOO_LARGE, REQUEST_TOO_LARGE_MESSAGE)


def http_error(status: int, message: str) -> GatewayError:
    """A request refused before it is an API request (its line, headers or framing): a 4xx
    rendered through the API's DEFAULT_4XX, so it carries the stage's CORS headers."""
    return GatewayError(GatewayResponseType.DEFAULT_4XX, message, status=status)


class UnsupportedFeatureError(Exception):
    """The API definition uses a feature this emulator does not implement (fails loudly)."""
