"""The sandbox's public dummy credentials: they open only the local sandbox, no real service."""

from __future__ import annotations

LWA_CLIENT_ID = "amzn1.application-oa2-client.asc-sandbox"
LWA_CLIENT_SECRET = "asc-sandbox-client-secret"  # noqa: S105 - public dummy value
MAGENTO_ADMIN_USERNAME = "asc_sandbox_admin"
MAGENTO_ADMIN_PASSWORD = "asc-sandbox-password-1"  # noqa: S105 - public dummy value
MAGENTO_INTEGRATION_TOKEN = "ascsandboxintegrationtoken0000001"  # noqa: S105 - public dummy value


def refresh_token(store_id: str) -> str:
    """The LWA refresh token the sandbox issues to a store (one seller authorization per store)."""
    return f"Atzr|asc-sandbox-{store_id}"
