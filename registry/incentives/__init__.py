"""Incentives: the points supermarket, the moral bank, reporting rewards, 公益反哺, expiry,
household accounts and city-wide settlement, on the points ledger (registry/points/)."""
