"""Payments: the provider interface, the simulated provider and real adapters."""
