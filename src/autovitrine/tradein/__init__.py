"""Trade-in: valuation rule, estimates and dealer offers."""
