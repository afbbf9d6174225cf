"""Reading files: YAML that remembers positions, SOP and groups files, pools and facts imports,
a workspace of them loaded together, and the JSON Schema of the format."""
