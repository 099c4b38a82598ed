"""Reading ClinicalTrials.gov records into our models."""
