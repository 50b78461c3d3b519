"""The regulator dashboard of one campaign: its reads, page and URLs."""
