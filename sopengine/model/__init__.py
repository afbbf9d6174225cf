"""The model: what an SOP and a group are once read (SOPs, groups and their facts, the field types
of the file format, problems with their positions, the stored form of a version)."""
