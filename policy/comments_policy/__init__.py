"""The comments service's CrossGuard rules, one module per domain; `pack` lists them all."""
