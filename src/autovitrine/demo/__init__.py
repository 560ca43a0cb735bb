"""Demo data for ``manage.py demo_data``: a fictional brand, its dealer network, stock and accounts."""
