"""What can be known before anything runs: each step's checks, groups against the SOPs that run
them, and SOPs that post the same kind to a group in the same minute."""
