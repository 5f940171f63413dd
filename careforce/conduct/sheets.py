"""Import sheets for evaluations and complaints (registered with careforce.imports when it is there)."""
