"""Sign-in through an external OpenID Provider (as VNeID would be), linked to an account."""
