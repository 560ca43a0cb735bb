"""French law applied to a sale, one module per rule family, each rule citing its article.

- ``weight_malus``: the tax on the mass in running order (CIBS L421-71 and following), its
  exemptions and its cap shared with the CO2 malus;
- ``registration_day``: which scale applies to an order (the day of first registration, CIBS
  L421-33 3°), and both scales when a factory order crosses a change;
- ``usury``: the usury ceilings per loan category and quarter (C. consom. L314-6 and L314-9);
- ``borrower_insurance``: the cost of borrower insurance as the credit pages must show it
  (C. consom. L312-7, D312-24, R314-11).
Texts read with the search tool; each module gives the addresses of the copies read.
"""
