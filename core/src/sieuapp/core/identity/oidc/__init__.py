"""The OpenID Provider: authorization code + PKCE, refresh rotation, client credentials,
revocation, introspection, discovery, JWKS, userinfo and RP-initiated logout (authlib)."""
