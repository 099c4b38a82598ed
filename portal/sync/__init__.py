"""Mirror ClinicalTrials.gov through its API v2: `flask trials sync` and the workers' schedule."""
