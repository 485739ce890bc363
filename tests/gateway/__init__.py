"""Fidelity tests for the local API Gateway data plane (emulator.gateway)."""
