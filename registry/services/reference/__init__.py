"""Reference data and the reading of what people type: loading the reference CSVs, parsing and normalising values,
tolerant matching, French field labels."""
