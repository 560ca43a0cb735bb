"""Configurator: product rules, the pure engine, saved and shared configurations."""
