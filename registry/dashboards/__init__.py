"""Figures for officials, read from the other areas (nothing imports this area)."""
